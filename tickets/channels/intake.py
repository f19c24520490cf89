"""The one intake service every channel calls: a normalised inbound message becomes a ticket or a
message on one, with its customer found or created and every event recorded.

Who may add to an existing ticket: only the ticket's customer (any of their known addresses) as
the customer, or a verified agent (the channel proved it, e.g. a signed reply address) as an agent
reply. Anybody else who writes into a thread opens a ticket of their own: they never land as the
customer's reply and never become a recipient of the original ticket (our documented choice; an
agent can merge the new ticket into the old one if it belongs there).
"""

from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from helpdesk.roles import WORKSPACE_ROLES, has_role
from lifecycle.models import CustomerEmail
from lifecycle.services import normalize_email

from ..models import Message, Ticket
from ..services import ticket_create, ticket_customer_message, ticket_reply
from ..services.bulk import BatchBarrier, TicketBatch


@dataclass
class InboundMessage:
    """What a channel hands to intake. `ticket` is the channel's threading result (or None);
    `agent` is set only when the channel verified that an agent wrote it."""

    channel: str
    sender_email: str
    subject: str
    body: str
    sender_name: str = ""
    body_html: str = ""
    attachments: list[UploadedFile] = field(default_factory=list)
    external_message_id: str = ""
    ticket: Ticket | None = None
    agent: User | None = None
    language: str = ""


@dataclass
class IntakeResult:
    ticket: Ticket
    message: Message
    created: bool
    duplicate: bool = False


def sender_is_customer(*, ticket: Ticket, address: str) -> bool:
    """True when `address` is one of the ticket customer's known addresses."""
    return CustomerEmail.objects.filter(customer_id=ticket.customer_id, address=address).exists()


@transaction.atomic
def intake_message(*, inbound: InboundMessage) -> IntakeResult:
    """Thread `inbound` into its ticket or open a new one; a re-delivered message creates nothing."""
    if inbound.external_message_id:
        existing = (
            Message.objects.filter(external_message_id=inbound.external_message_id[:998])
            .select_related("ticket")
            .first()
        )
        if existing is not None:
            return IntakeResult(ticket=existing.ticket, message=existing, created=False, duplicate=True)
    address = normalize_email(inbound.sender_email)
    ticket = inbound.ticket
    if ticket is not None and inbound.agent is not None and _agent_may_reply(inbound.agent, address):
        message = ticket_reply(
            ticket=ticket, by=inbound.agent, body=inbound.body, attachments=inbound.attachments
        )
        return IntakeResult(ticket=ticket, message=message, created=False)
    if ticket is not None and sender_is_customer(ticket=ticket, address=address):
        try:
            with transaction.atomic():
                message = _customer_message(ticket, inbound)
            return IntakeResult(ticket=ticket, message=message, created=False)
        except ValidationError:
            pass  # closed, merged or spam: the message opens a follow-up ticket instead
    return _open(inbound, address)


def intake_into_batch(*, batch: TicketBatch, inbound: InboundMessage) -> IntakeResult:
    """intake_message for many messages: the same rules, written into `batch` (the caller commits it).

    Raises BatchBarrier for what a batch does not do (an agent's reply, a message stored already):
    the caller commits the batch and hands that message to intake_message.
    """
    if inbound.agent is not None or (
        inbound.external_message_id and batch.has_message(inbound.external_message_id)
    ):
        raise BatchBarrier
    address = normalize_email(inbound.sender_email)
    ticket = inbound.ticket
    if ticket is not None and batch.sender_is_customer(ticket=ticket, address=address):
        try:
            message = batch.customer_message(
                ticket=ticket,
                body=inbound.body,
                body_html=inbound.body_html,
                channel=inbound.channel,
                external_message_id=inbound.external_message_id,
                attachments=inbound.attachments,
            )
            return IntakeResult(ticket=ticket, message=message, created=False)
        except ValidationError:
            pass  # closed, merged or spam: the message opens a follow-up ticket instead
    ticket, message = batch.open(
        subject=inbound.subject or "(no subject)",
        body=inbound.body,
        body_html=inbound.body_html,
        customer_email=address,
        customer_name=inbound.sender_name,
        channel=inbound.channel,
        external_message_id=inbound.external_message_id,
        attachments=inbound.attachments,
        language=inbound.language,
    )
    return IntakeResult(ticket=ticket, message=message, created=True)


def _agent_may_reply(agent: User, address: str) -> bool:
    return agent.is_active and agent.email.lower() == address and has_role(agent, *WORKSPACE_ROLES)


def _customer_message(ticket: Ticket, inbound: InboundMessage) -> Message:
    return ticket_customer_message(
        ticket=ticket,
        body=inbound.body,
        body_html=inbound.body_html,
        channel=inbound.channel,
        external_message_id=inbound.external_message_id,
        attachments=inbound.attachments,
    )


def _open(inbound: InboundMessage, address: str) -> IntakeResult:
    ticket = ticket_create(
        subject=inbound.subject or "(no subject)",
        body=inbound.body,
        body_html=inbound.body_html,
        customer_email=address,
        customer_name=inbound.sender_name,
        channel=inbound.channel,
        external_message_id=inbound.external_message_id,
        attachments=inbound.attachments,
        language=inbound.language,
    )
    message = ticket.messages.order_by("created_at", "pk").first()
    return IntakeResult(ticket=ticket, message=message, created=True)
