import pytest
from django.core.exceptions import ValidationError

from helpdesk.roles import AGENT
from mail.models import OutboundEmail
from tests.factories import TicketFactory, staff_user
from tickets.models import Message, TicketEvent
from tickets.services import (
    ReplyCollision,
    ticket_customer_message,
    ticket_note,
    ticket_reply,
    ticket_set_status,
    ticket_system_message,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent():
    return staff_user(AGENT, first_name="Ada")


def test_ticket_reply_to_new_ticket_opens_it_and_records_message_then_status(ticket, agent):
    message = ticket_reply(ticket=ticket, by=agent, body="We are on it.")
    ticket.refresh_from_db()
    assert ticket.status == "open"
    assert ticket.first_public_reply_at == message.created_at
    assert ticket.last_message_at == message.created_at
    kinds = list(TicketEvent.objects.filter(ticket=ticket).order_by("pk").values_list("kind", flat=True))
    assert kinds == ["created", "message", "message", "status"]
    event = TicketEvent.objects.get(ticket=ticket, message=message)
    assert (event.after, event.actor) == ({"kind": "public", "sender": "agent"}, agent)
    assert message.is_public_agent_reply


def test_ticket_reply_keeps_the_earliest_public_reply_time(ticket, agent):
    first = ticket_reply(ticket=ticket, by=agent, body="One")
    ticket_reply(ticket=ticket, by=agent, body="Two")
    ticket.refresh_from_db()
    assert ticket.first_public_reply_at == first.created_at


def test_ticket_reply_does_not_change_pending_status(ticket, agent):
    ticket_set_status(ticket=ticket, status="pending", by=agent)
    ticket_reply(ticket=ticket, by=agent, body="Still waiting for you")
    ticket.refresh_from_db()
    assert ticket.status == "pending"


def test_ticket_reply_to_email_ticket_queues_a_threaded_email(agent):
    ticket = TicketFactory(external_message_id="<abc@mail.example>")
    message = ticket_reply(ticket=ticket, by=agent, body="Hello <b>there</b>")
    email = OutboundEmail.objects.get()
    assert email.to == [ticket.requester_email]
    assert email.subject == f"[{ticket.reference}] {ticket.subject}"
    assert email.headers["In-Reply-To"] == "<abc@mail.example>"
    assert "&lt;b&gt;" in email.body_html
    message.refresh_from_db()
    assert message.external_message_id == email.message_id
    assert message.delivery_state == Message.Delivery.QUEUED


def test_ticket_reply_to_chat_ticket_sends_no_email(agent):
    ticket = TicketFactory(channel="chat")
    ticket_reply(ticket=ticket, by=agent, body="Hi")
    assert not OutboundEmail.objects.exists()


def test_ticket_reply_collision_when_someone_else_replied_after_seen(ticket, agent):
    seen = ticket.messages.get().pk
    other = staff_user(AGENT, first_name="Bo")
    newer = ticket_reply(ticket=ticket, by=other, body="I answered already")
    with pytest.raises(ReplyCollision) as info:
        ticket_reply(ticket=ticket, by=agent, body="Me too", seen_message_id=seen)
    assert info.value.newer_messages == [newer]
    assert isinstance(info.value, ValidationError)
    assert ticket.messages.count() == 2


def test_ticket_reply_collision_when_customer_wrote_again(ticket, agent):
    seen = ticket.messages.get().pk
    ticket_customer_message(ticket=ticket, body="Any news?")
    with pytest.raises(ReplyCollision):
        ticket_reply(ticket=ticket, by=agent, body="Hi", seen_message_id=seen)


def test_ticket_reply_no_collision_for_own_replies_notes_or_up_to_date_view(ticket, agent):
    seen = ticket.messages.get().pk
    ticket_reply(ticket=ticket, by=agent, body="First")
    ticket_note(ticket=ticket, by=staff_user(AGENT), body="A note")
    ticket_reply(ticket=ticket, by=agent, body="Second", seen_message_id=seen)
    latest = ticket.messages.order_by("-pk").first().pk
    ticket_reply(ticket=ticket, by=staff_user(AGENT), body="Third", seen_message_id=latest)
    assert ticket.messages.count() == 5


def test_ticket_reply_empty_body_is_refused(ticket, agent):
    with pytest.raises(ValidationError):
        ticket_reply(ticket=ticket, by=agent, body="  \n ")
    assert ticket.messages.count() == 1


def test_ticket_reply_sanitizes_html(ticket, agent):
    message = ticket_reply(
        ticket=ticket, by=agent, body="", body_html='<p onclick="x()">Hi<script>alert(1)</script></p>'
    )
    assert message.body_html == "<p>Hi</p>"
    assert message.body_text == "Hi"


def test_ticket_reply_refused_on_closed_ticket(ticket, agent):
    ticket_set_status(ticket=ticket, status="closed", by=agent)
    with pytest.raises(ValidationError):
        ticket_reply(ticket=ticket, by=agent, body="Hi")


def test_ticket_note_changes_no_status_and_is_not_a_reply(ticket, agent):
    note = ticket_note(ticket=ticket, by=agent, body="Customer is a VIP")
    ticket.refresh_from_db()
    assert (note.kind, note.sender, note.author) == ("note", "agent", agent)
    assert ticket.status == "new"
    assert ticket.first_public_reply_at is None
    assert TicketEvent.objects.get(message=note).after == {"kind": "note", "sender": "agent"}


def test_ticket_note_allowed_on_closed_ticket(ticket, agent):
    ticket_set_status(ticket=ticket, status="closed", by=agent)
    ticket_note(ticket=ticket, by=agent, body="For the record")
    assert ticket.messages.filter(kind="note").count() == 1


def test_ticket_system_message_is_not_a_reply(ticket):
    message = ticket_system_message(ticket=ticket, body="We received your request.")
    ticket.refresh_from_db()
    assert (message.kind, message.sender, message.author) == ("system", "system", None)
    assert ticket.first_public_reply_at is None
    assert ticket.status == "new"
    assert TicketEvent.objects.get(message=message).after == {"kind": "system", "sender": "system"}
