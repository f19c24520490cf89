import pytest

from helpdesk.roles import AGENT
from tests.factories import TicketFactory, staff_user
from tickets.models import Ticket, TicketEvent
from tickets.services import TicketFrozen, ticket_customer_message, ticket_mark_spam, ticket_set_priority

pytestmark = pytest.mark.django_db


def test_ticket_mark_spam_records_event_and_hides_from_counted(ticket):
    agent = staff_user(AGENT)
    other = TicketFactory()
    ticket_mark_spam(ticket=ticket, by=agent)
    ticket.refresh_from_db()
    assert ticket.is_spam
    event = TicketEvent.objects.get(ticket=ticket, kind="spam")
    assert (event.after, event.actor) == (True, agent)
    assert list(Ticket.objects.counted()) == [other]


def test_ticket_spam_refuses_every_change(ticket):
    ticket_mark_spam(ticket=ticket, by=None)
    with pytest.raises(TicketFrozen):
        ticket_set_priority(ticket=ticket, priority="urgent", by=None)
    with pytest.raises(TicketFrozen):
        ticket_customer_message(ticket=ticket, body="Buy now")
    with pytest.raises(TicketFrozen):
        ticket_mark_spam(ticket=ticket, by=None)
    assert TicketEvent.objects.filter(ticket=ticket, kind="spam").count() == 1
