"""The one intake service: the ticket's customer threads, anyone else opens their own ticket,
a closed ticket gets a follow-up ticket, and a re-delivered message creates nothing."""

from tests.factories import TicketFactory
from tickets.channels.intake import InboundMessage, intake_message
from tickets.models import Message, Ticket
from tickets.services import ticket_set_status


def _inbound(ticket=None, sender="requester@example.test", external_id="", **fields) -> InboundMessage:
    return InboundMessage(
        channel=Ticket.Channel.CHAT,
        sender_email=sender,
        subject="Help",
        body="Hello",
        ticket=ticket,
        external_message_id=external_id,
        **fields,
    )


def test_intake_without_a_thread_opens_a_ticket_for_the_sender(db):
    result = intake_message(inbound=_inbound(sender="New.Person@Example.test", sender_name="New Person"))
    assert result.created and result.ticket.requester_email == "new.person@example.test"
    assert result.ticket.channel == Ticket.Channel.CHAT and result.message.sender == Message.Sender.CUSTOMER


def test_intake_from_the_customer_threads_into_the_ticket(db):
    ticket = TicketFactory(customer_email="requester@example.test")
    result = intake_message(inbound=_inbound(ticket=ticket, external_id="chat-1"))
    assert not result.created and result.ticket == ticket
    assert ticket.messages.count() == 2


def test_intake_from_someone_else_never_lands_on_the_ticket(db):
    ticket = TicketFactory(customer_email="requester@example.test")
    result = intake_message(inbound=_inbound(ticket=ticket, sender="other@example.test"))
    assert result.created and result.ticket != ticket
    assert ticket.messages.count() == 1 and result.ticket.customer != ticket.customer


def test_intake_to_a_closed_ticket_opens_a_follow_up_ticket(db, agent):
    ticket = TicketFactory(customer_email="requester@example.test")
    ticket_set_status(ticket=ticket, status=Ticket.Status.CLOSED, by=agent)
    result = intake_message(inbound=_inbound(ticket=ticket))
    assert result.created and result.ticket != ticket and result.ticket.customer == ticket.customer


def test_intake_redelivered_message_creates_nothing(db):
    first = intake_message(inbound=_inbound(external_id="chat-42"))
    again = intake_message(inbound=_inbound(external_id="chat-42"))
    assert again.duplicate and again.message == first.message
    assert Ticket.objects.count() == 1 and Message.objects.count() == 1
