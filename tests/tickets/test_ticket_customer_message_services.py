from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from helpdesk.roles import AGENT
from tests.factories import TicketFactory, staff_user
from tickets.models import Message, TicketEvent
from tickets.services import ticket_customer_message, ticket_set_status

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("status", ["solved", "pending"])
def test_ticket_customer_message_reopens_solved_or_pending(ticket, status):
    ticket_set_status(ticket=ticket, status=status, by=None)
    ticket_customer_message(ticket=ticket, body="It broke again")
    ticket.refresh_from_db()
    assert ticket.status == "open"
    assert ticket.solved_at is None
    last = TicketEvent.objects.filter(ticket=ticket, kind="status").order_by("-pk").first()
    assert (last.before, last.after) == (status, "open")


@pytest.mark.parametrize("status", ["new", "open", "on_hold"])
def test_ticket_customer_message_keeps_unsolved_status(status):
    ticket = TicketFactory(status=status)
    ticket_customer_message(ticket=ticket, body="More details")
    ticket.refresh_from_db()
    assert ticket.status == status


def test_ticket_customer_message_on_closed_ticket_is_refused(ticket):
    ticket_set_status(ticket=ticket, status="closed", by=None)
    with pytest.raises(ValidationError):
        ticket_customer_message(ticket=ticket, body="Hello?")


def test_ticket_customer_message_redelivery_creates_nothing(ticket):
    first = ticket_customer_message(ticket=ticket, body="Hi", external_message_id="<m1@example.test>")
    events = TicketEvent.objects.count()
    again = ticket_customer_message(ticket=ticket, body="Hi", external_message_id="<m1@example.test>")
    assert again == first
    assert TicketEvent.objects.count() == events
    assert Message.objects.filter(external_message_id="<m1@example.test>").count() == 1


def test_ticket_customer_message_stamped_before_creation_is_stored_at_creation(ticket):
    message = ticket_customer_message(
        ticket=ticket, body="Old", created_at=ticket.created_at - timedelta(days=1)
    )
    assert message.created_at == ticket.created_at
    assert TicketEvent.objects.get(message=message).occurred_at == ticket.created_at


def test_ticket_customer_message_keeps_its_own_time_and_channel(ticket):
    at = ticket.created_at + timedelta(hours=2)
    message = ticket_customer_message(ticket=ticket, body="Later", created_at=at, channel="chat")
    ticket.refresh_from_db()
    assert (message.created_at, message.channel, message.sender) == (at, "chat", "customer")
    assert ticket.last_message_at == at
    assert not message.is_public_agent_reply


def test_ticket_customer_message_is_not_a_public_agent_reply(ticket):
    ticket_customer_message(ticket=ticket, body="Hello again")
    ticket.refresh_from_db()
    assert ticket.first_public_reply_at is None


def test_ticket_customer_message_portal_author_is_the_portal_user(customer_user):
    agent = staff_user(AGENT)
    ticket = TicketFactory(customer_email=customer_user.email, channel="portal", by=customer_user)
    assert ticket.messages.get().author == customer_user
    message = ticket_customer_message(ticket=ticket, body="Thanks", author=customer_user)
    assert message.author == customer_user
    assert TicketEvent.objects.get(message=message).actor == customer_user
    assert agent.pk != customer_user.pk
