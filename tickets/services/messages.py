"""Adding to a ticket's conversation: replies, notes, customer messages and system messages."""

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from mail.models import OutboundEmail
from mail.services import email_queue

from ..channels.email.outbound import reply_headers
from ..models import Message, Ticket, TicketEvent
from ..sanitize import body_pair
from .attachments import attachment_add
from .events import ensure_changeable, event_record, ticket_lock, ticket_touch
from .search import search_document_append
from .status import status_change


class ReplyCollision(ValidationError):
    """Someone else's public message arrived after the one the agent last saw; the reply is held back."""

    def __init__(self, messages: list[Message]):
        self.newer_messages = messages
        super().__init__(
            "A newer message arrived on this ticket while you were writing. Read it, then send again.",
            code="reply_collision",
        )


def message_build(
    *,
    ticket: Ticket,
    kind: str,
    sender: str,
    author=None,
    body: str = "",
    body_html: str = "",
    channel: str | None = None,
    external_message_id: str = "",
    created_at: datetime | None = None,
    has_attachments: bool = False,
) -> Message:
    """The unsaved message `message_add` stores (bodies sanitised, time not before the ticket's);
    raises ValidationError when it has neither text nor attachments."""
    clean_html, text = body_pair(body=body, body_html=body_html)
    if not text and not has_attachments:
        raise ValidationError("A message needs some text or an attachment.")
    at = created_at or timezone.now()
    if ticket.created_at is not None and ticket.created_at > at:
        at = ticket.created_at
    return Message(
        ticket=ticket,
        kind=kind,
        sender=sender,
        author=author,
        body_html=clean_html,
        body_text=text,
        channel=channel or ticket.channel,
        external_message_id=(external_message_id or "")[:998],
        created_at=at,
    )


def message_add(
    *,
    ticket: Ticket,
    kind: str,
    sender: str,
    author=None,
    body: str = "",
    body_html: str = "",
    channel: str | None = None,
    external_message_id: str = "",
    created_at: datetime | None = None,
    attachments: Iterable = (),
    actor=None,
) -> Message:
    """Store one message with its MESSAGE event and keep the ticket's denormalised times.

    A message stamped before the ticket's creation is stored at the creation time (KPIS.md).
    The caller has locked the ticket and checked that it may change.
    """
    attachments = list(attachments)
    message = message_build(
        ticket=ticket,
        kind=kind,
        sender=sender,
        author=author,
        body=body,
        body_html=body_html,
        channel=channel,
        external_message_id=external_message_id,
        created_at=created_at,
        has_attachments=bool(attachments),
    )
    message.save(force_insert=True)
    at = message.created_at
    for upload in attachments:
        attachment_add(message=message, upload=upload)
    event_record(
        ticket=ticket,
        kind=TicketEvent.Kind.MESSAGE,
        actor=actor if actor is not None else author,
        after={"kind": kind, "sender": sender},
        message=message,
        occurred_at=at,
    )
    ticket_touch(ticket, message_times_apply(ticket=ticket, message=message), at=at)
    search_document_append(ticket=ticket, text=message.body_text)
    return message


def message_times_apply(*, ticket: Ticket, message: Message) -> list[str]:
    """Move the ticket's denormalised message times for `message` (in memory); the changed fields."""
    at = message.created_at
    fields = []
    if ticket.last_message_at is None or at > ticket.last_message_at:
        ticket.last_message_at = at
        fields.append("last_message_at")
    if message.is_public_agent_reply and (
        ticket.first_public_reply_at is None or at < ticket.first_public_reply_at
    ):
        ticket.first_public_reply_at = at
        fields.append("first_public_reply_at")
    return fields


def _check_collision(*, ticket: Ticket, by, seen_message_id: int | None) -> None:
    if seen_message_id is None:
        return
    newer = list(
        Message.objects.filter(ticket=ticket, kind=Message.Kind.PUBLIC, pk__gt=seen_message_id)
        .exclude(author=by)
        .select_related("author")
        .order_by("created_at", "pk")
    )
    if newer:
        raise ReplyCollision(newer)


def email_customer(*, ticket: Ticket, message: Message) -> None:
    """An emailed ticket's public reply goes out by email, threaded under the customer's last message."""
    if ticket.channel != Ticket.Channel.EMAIL or not ticket.requester_email:
        return
    headers, reply_to = reply_headers(ticket=ticket)  # the thread's ids and a signed reply address
    email = email_queue(
        to=[ticket.requester_email],
        subject=f"[{ticket.reference}] {ticket.subject}",
        body_text=message.body_text,
        body_html=message.body_html,
        headers=headers,
        reply_to=reply_to,
    )
    message.external_message_id = email.message_id
    message.delivery_state = Message.Delivery.QUEUED
    message.save(update_fields=["external_message_id", "delivery_state"])


@transaction.atomic
def ticket_reply(
    *,
    ticket: Ticket,
    by,
    body: str,
    body_html: str = "",
    attachments: Iterable = (),
    seen_message_id: int | None = None,
) -> Message:
    """A public agent reply. Raises ReplyCollision when someone else's public message is newer than
    `seen_message_id`; a reply to a `new` ticket moves it to `open`. Emailed tickets get it by email."""
    ticket_lock(ticket)
    ensure_changeable(ticket)
    _check_collision(ticket=ticket, by=by, seen_message_id=seen_message_id)
    message = message_add(
        ticket=ticket,
        kind=Message.Kind.PUBLIC,
        sender=Message.Sender.AGENT,
        author=by,
        body=body,
        body_html=body_html,
        attachments=attachments,
    )
    if ticket.status == Ticket.Status.NEW:
        status_change(ticket=ticket, status=Ticket.Status.OPEN, by=by)
    email_customer(ticket=ticket, message=message)
    return message


@transaction.atomic
def ticket_note(*, ticket: Ticket, by, body: str, attachments: Iterable = ()) -> Message:
    """An internal note: agents only, changes no status. Allowed on closed tickets."""
    ticket_lock(ticket)
    ensure_changeable(ticket, allow_closed=True)
    return message_add(
        ticket=ticket,
        kind=Message.Kind.NOTE,
        sender=Message.Sender.AGENT,
        author=by,
        body=body,
        attachments=attachments,
    )


@transaction.atomic
def ticket_customer_message(
    *,
    ticket: Ticket,
    body: str,
    body_html: str = "",
    channel: str | None = None,
    external_message_id: str = "",
    created_at: datetime | None = None,
    attachments: Iterable = (),
    author=None,
) -> Message:
    """A message from the customer. A re-delivered message (same external id) returns the stored one.

    It reopens a solved ticket and wakes a pending one (both -> open). A closed ticket is final:
    the channel opens a follow-up ticket instead (this raises ValidationError).
    """
    if external_message_id:
        existing = Message.objects.filter(external_message_id=external_message_id[:998]).first()
        if existing is not None:
            return existing
    ticket_lock(ticket)
    ensure_changeable(ticket)
    message = message_add(
        ticket=ticket,
        kind=Message.Kind.PUBLIC,
        sender=Message.Sender.CUSTOMER,
        author=author,
        body=body,
        body_html=body_html,
        channel=channel,
        external_message_id=external_message_id,
        created_at=created_at,
        attachments=attachments,
    )
    if ticket.status in (Ticket.Status.SOLVED, Ticket.Status.PENDING):
        status_change(ticket=ticket, status=Ticket.Status.OPEN, by=author)
    return message


@transaction.atomic
def ticket_system_message(*, ticket: Ticket, body: str) -> Message:
    """An automatic message (acknowledgement, follow-up, rule macro): never counts as an agent reply."""
    ticket_lock(ticket)
    ensure_changeable(ticket, allow_closed=True)
    return message_add(ticket=ticket, kind=Message.Kind.SYSTEM, sender=Message.Sender.SYSTEM, body=body)


@transaction.atomic
def messages_delivery_sync() -> int:
    """Copy the outbox's outcome (sent or failed) onto queued email replies; returns how many changed.

    The mail app knows nothing of tickets, so the tickets app reads the outbox (periodic task).
    """
    changed = 0
    for state in (OutboundEmail.State.SENT, OutboundEmail.State.FAILED):
        changed += (
            Message.objects.filter(delivery_state=Message.Delivery.QUEUED)
            .filter(external_message_id__in=OutboundEmail.objects.filter(state=state).values("message_id"))
            .update(delivery_state=state)
        )
    return changed
