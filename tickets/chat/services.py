"""Threading chat and social messages into tickets, one conversation per ticket."""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.html import escape

from lifecycle.selectors import customer_lookup

from ..models import ConversationLink, Message, Ticket
from ..sanitize import plain_text
from ..services import ticket_create, ticket_customer_message

SUBJECT_LENGTH = 80


class ConversationBusy(Exception):
    """Two first messages of one conversation arrived at once; the caller may retry."""


@dataclass
class InboundChatMessage:
    """One message as every chat or social integration delivers it (see chat/api.py)."""

    channel: str
    conversation_id: str
    sender_id: str
    text: str = ""
    sender_name: str = ""
    sender_email: str = ""
    links: list[str] = field(default_factory=list)
    files: list[UploadedFile] = field(default_factory=list)
    idempotency_key: str = ""
    # An integration vouches for its senders, and a signed-in customer is who they are; an
    # anonymous web-chat visitor's address is only what they typed (False).
    email_verified: bool = True


def ticket_channel(channel: str) -> str:
    return Ticket.Channel.CHAT if channel == ConversationLink.Channel.CHAT else Ticket.Channel.SOCIAL


def sender_address(*, channel: str, sender_id: str, email: str = "") -> str:
    """The sender's email, or a stable placeholder address (never deliverable) for channels without one."""
    if email:
        return email
    digest = hashlib.sha256(f"{channel}:{sender_id}".encode()).hexdigest()[:24]
    return f"{channel}-{digest}@{channel}.chat.invalid"


def _body_html(text: str, links: Iterable[str]) -> str:
    parts = [f"<p>{escape(line)}</p>" for line in text.splitlines() if line.strip()]
    items = "".join(
        f'<li><a href="{escape(url)}" rel="nofollow noopener">{escape(url)}</a></li>' for url in links
    )
    if items:
        parts.append(f"<ul>{items}</ul>")
    return "".join(parts)


def _body_text(text: str, links: Iterable[str]) -> str:
    return "\n".join([text, *links]).strip()


def _subject(message: InboundChatMessage) -> str:
    first_line = plain_text(message.text, single_line=True)
    if len(first_line) > SUBJECT_LENGTH:
        first_line = first_line[: SUBJECT_LENGTH - 1].rstrip() + "…"
    label = ConversationLink.Channel(message.channel).label
    return first_line or f"{label} conversation with {message.sender_name or message.sender_id}"


def _open_ticket(link: ConversationLink | None) -> Ticket | None:
    """The ticket a new message joins: the linked one (or its merge survivor) unless it is closed."""
    if link is None:
        return None
    ticket = link.ticket
    seen = set()
    while ticket.merged_into_id and ticket.pk not in seen:
        seen.add(ticket.pk)
        ticket = ticket.merged_into
    if ticket.status == Ticket.Status.CLOSED or ticket.is_spam:
        return None
    return ticket


@transaction.atomic
def chat_message_receive(*, message: InboundChatMessage) -> tuple[Message, bool]:
    """Store `message` on its conversation's ticket; returns (message, created).

    The conversation's ticket takes the message (a solved one reopens); a closed one is final, so
    a new ticket opens and the conversation points to it from then on. The same idempotency key
    twice stores nothing new, also when both deliveries arrive at the same moment.
    """
    if message.channel not in ConversationLink.Channel.values:
        raise ValidationError({"channel": f"Unknown channel {message.channel!r}."})
    external_id = f"{message.channel}:{message.idempotency_key}" if message.idempotency_key else ""
    link = (
        ConversationLink.objects.select_for_update()
        .select_related("ticket")
        .filter(channel=message.channel, conversation_id=message.conversation_id)
        .first()
    )
    # Looked up under the conversation's lock: a copy of this message that got there first has
    # committed by now.
    delivered = _delivered(external_id)
    if delivered is not None:
        return delivered, False
    try:
        with transaction.atomic():
            return _store(message=message, link=link, external_id=external_id), True
    except IntegrityError:
        # A new conversation has no link to lock yet: when its first message is delivered twice
        # at once, the unique external id turns the second copy away here.
        delivered = _delivered(external_id)
        if delivered is None:
            raise
        return delivered, False


def _delivered(external_id: str) -> Message | None:
    if not external_id:
        return None
    return Message.objects.filter(external_message_id=external_id).select_related("ticket").first()


def _store(*, message: InboundChatMessage, link: ConversationLink | None, external_id: str) -> Message:
    body = {
        "body": _body_text(message.text, message.links),
        "body_html": _body_html(message.text, message.links),
        "external_message_id": external_id,
        "attachments": message.files,
    }
    ticket = _open_ticket(link)
    if ticket is not None:
        stored = ticket_customer_message(ticket=ticket, channel=ticket_channel(message.channel), **body)
    else:
        ticket = ticket_create(
            subject=_subject(message),
            customer_email=_customer_address(message),
            customer_name=message.sender_name,
            channel=ticket_channel(message.channel),
            **body,
        )
        stored = ticket.messages.order_by("pk").first()
    _link_save(link=link, message=message, ticket=ticket, started_at=stored.created_at)
    return stored


def _customer_address(message: InboundChatMessage) -> str:
    """The address the conversation's customer is found or created by.

    An unverified address that already belongs to a customer is not taken as theirs: anyone can
    type it, and the chat would then sit in that customer's history and show an agent their
    account as the visitor's. Such a chat gets its own placeholder customer; the ticket page
    shows the claim, and an agent who has checked it merges the two customers.
    """
    email = message.sender_email
    if email and not message.email_verified and customer_lookup(value=email) is not None:
        email = ""
    return sender_address(channel=message.channel, sender_id=message.sender_id, email=email)


def _link_save(
    *, link: ConversationLink | None, message: InboundChatMessage, ticket: Ticket, started_at
) -> None:
    now = timezone.now()
    name = plain_text(message.sender_name, max_length=200, single_line=True)
    claim = {
        "claimed_email": "" if message.email_verified else message.sender_email,
        "email_verified": message.email_verified,
    }
    if link is not None:
        link.ticket = ticket
        link.sender_name = name or link.sender_name
        link.updated_at = now
        link.save(update_fields=["ticket", "sender_name", "updated_at"])
        return
    try:
        with transaction.atomic():
            ConversationLink.objects.create(
                channel=message.channel,
                conversation_id=message.conversation_id,
                ticket=ticket,
                sender_id=message.sender_id,
                sender_name=name,
                created_at=min(started_at, now),
                updated_at=now,
                **claim,
            )
    except IntegrityError as exc:
        raise ConversationBusy from exc
