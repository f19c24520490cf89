import pytest
from django.urls import reverse

from tickets.models import SatisfactionRating, Ticket, TicketEvent
from tickets.services import ticket_set_status

from .conftest import own_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def solved(customer_user, agent):
    ticket = own_ticket(customer_user)
    ticket_set_status(ticket=ticket, status=Ticket.Status.SOLVED, by=agent)
    return ticket


def test_portal_rate_solved_ticket(customer_client, solved):
    response = customer_client.post(
        reverse("portal:ticket_rate", args=[solved.pk]), {"score": "4", "comment": "Quick"}
    )
    assert response.status_code == 302
    rating = SatisfactionRating.objects.get(ticket=solved)
    assert (rating.score, rating.comment) == (4, "Quick")
    assert TicketEvent.objects.filter(ticket=solved, kind=TicketEvent.Kind.RATED).count() == 1


def test_portal_rate_again_replaces_rating(customer_client, solved):
    customer_client.post(reverse("portal:ticket_rate", args=[solved.pk]), {"score": "2"})
    customer_client.post(reverse("portal:ticket_rate", args=[solved.pk]), {"score": "5", "comment": "Fixed"})
    rating = SatisfactionRating.objects.get(ticket=solved)
    assert (rating.score, rating.comment) == (5, "Fixed")
    page = customer_client.get(reverse("portal:ticket_detail", args=[solved.pk])).content.decode()
    assert "Your rating: 5 of 5" in page


@pytest.mark.parametrize("score", ["0", "6", "abc", ""])
def test_portal_rate_bad_score_is_a_form_error(customer_client, solved, score):
    response = customer_client.post(reverse("portal:ticket_rate", args=[solved.pk]), {"score": score})
    assert response.status_code == 400
    assert not SatisfactionRating.objects.exists()


def test_portal_rate_unsolved_ticket_is_refused(customer_client, customer_user):
    ticket = own_ticket(customer_user)
    response = customer_client.post(reverse("portal:ticket_rate", args=[ticket.pk]), {"score": "5"})
    assert response.status_code == 400
    assert not SatisfactionRating.objects.exists()
    assert (
        "Rate our answer"
        not in customer_client.get(reverse("portal:ticket_detail", args=[ticket.pk])).content.decode()
    )
