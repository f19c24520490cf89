import pytest
from django.core.exceptions import ValidationError

from tickets.models import SatisfactionRating, TicketEvent
from tickets.services import ticket_rate

pytestmark = pytest.mark.django_db


def test_ticket_rate_records_rating_and_event(ticket):
    rating = ticket_rate(ticket=ticket, score=4, comment="Quick and kind")
    event = TicketEvent.objects.get(ticket=ticket, kind="rated")
    assert (rating.score, rating.comment) == (4, "Quick and kind")
    assert (event.after, event.occurred_at) == (4, rating.created_at)


def test_ticket_rate_again_replaces_in_place_and_takes_the_new_day(ticket):
    first = ticket_rate(ticket=ticket, score=2, comment="Slow")
    second = ticket_rate(ticket=ticket, score=5)
    assert SatisfactionRating.objects.filter(ticket=ticket).count() == 1
    assert second.pk == first.pk
    assert second.created_at > first.created_at
    assert (second.score, second.comment) == (5, "")
    assert list(TicketEvent.objects.filter(ticket=ticket, kind="rated").values_list("after", flat=True)) == [
        2,
        5,
    ]


@pytest.mark.parametrize("score", [0, 6, -1, 3.5, "5", True, None])
def test_ticket_rate_out_of_range_is_refused(ticket, score):
    with pytest.raises(ValidationError):
        ticket_rate(ticket=ticket, score=score)
    assert not SatisfactionRating.objects.exists()
