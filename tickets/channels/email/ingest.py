"""The one email ingestion service: the HTTP endpoint calls email_receive; files and IMAP call
emails_receive (batch.py), which decides every email by the same rules, in bulk.

The raw bytes are stored (a RawEmail row, committed on its own) before anything is parsed, then
processed in a transaction of their own: a message that breaks anything is quarantined with the
reason, never lost and never raised into the worker.
"""

import hashlib
import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from mail.models import OutboundEmail

from ...models import RawEmail, Ticket
from ...sanitize import plain_text
from ...services import ticket_system_message
from ..intake import InboundMessage, intake_message
from .acknowledge import ticket_acknowledge
from .autoreply import automatic_reason
from .parse import ParsedEmail, UnparseableEmail, envelope_summary, header_text, parse_email, peek_message_id
from .quoting import new_part
from .threading import ReplyToken, reply_token, thread_ticket

logger = logging.getLogger(__name__)
DEFAULT_MAX_BYTES = 25 * 1024 * 1024


class EmailRejected(ValueError):
    """A limit the message breaks (size, attachment count): it goes to the quarantine."""


def max_email_bytes() -> int:
    return getattr(settings, "INBOUND_EMAIL_MAX_BYTES", DEFAULT_MAX_BYTES)


def dedupe_key(raw: bytes) -> tuple[str, str]:
    """(key, Message-ID): the Message-ID when it is short enough, else a hash of it or of the bytes."""
    message_id = peek_message_id(raw)
    if message_id and len(message_id) <= 255:
        return message_id, message_id
    basis = message_id.encode() if message_id else raw
    return f"sha256:{hashlib.sha256(basis).hexdigest()}", message_id


def email_receive(*, raw: bytes, source: str, defer: bool = False) -> RawEmail:
    """Store `raw` and process it (or, with `defer`, leave that to a task after commit; the
    periodic sweep catches a lost nudge). The same message delivered again returns the stored row."""
    key, message_id = dedupe_key(raw)
    existing = RawEmail.objects.filter(dedupe_key=key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            raw_email = RawEmail.objects.create(
                dedupe_key=key, header_message_id=message_id, source=source, raw=raw, size=len(raw)
            )
    except IntegrityError:  # delivered twice at the same moment
        return RawEmail.objects.get(dedupe_key=key)
    if defer:
        from ...tasks import inbound_email_process

        inbound_email_process.delay_on_commit(raw_email.pk)
        return raw_email
    return raw_email_process(raw_email=raw_email)


def raw_emails_due_for_sweep(*, older_than: timedelta = timedelta(minutes=1)) -> list[int]:
    """Received emails whose processing nudge may have been lost."""
    cutoff = timezone.now() - older_than
    rows = RawEmail.objects.filter(state=RawEmail.State.RECEIVED, received_at__lt=cutoff).order_by("pk")
    return list(rows.values_list("pk", flat=True)[:500])


def raw_email_retry(*, raw_email: RawEmail) -> RawEmail:
    """Process a quarantined email again (after a limit was raised or the code fixed)."""
    if raw_email.state != RawEmail.State.QUARANTINED:
        raise ValidationError("Only a quarantined email can be retried.")
    return raw_email_process(raw_email=raw_email)


def raw_email_process(*, raw_email: RawEmail) -> RawEmail:
    """Parse and ingest a stored email; anything that goes wrong quarantines it (never raises)."""
    try:
        with transaction.atomic():
            _process(raw_email)
    except (UnparseableEmail, EmailRejected, ValidationError) as exc:
        _quarantine(raw_email, quarantine_reason(exc))
    except Exception as exc:  # nothing crashes the worker: the message waits for an admin
        logger.exception("Inbound email %s could not be processed", raw_email.pk)
        _quarantine(raw_email, f"Unexpected error: {type(exc).__name__}: {exc}")
    return raw_email


def quarantine_reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return str(exc)


def _quarantine(raw_email: RawEmail, reason: str) -> None:
    if not raw_email.subject and not raw_email.sender:
        raw_email.sender, raw_email.subject = envelope_summary(bytes(raw_email.raw))
    raw_email.state = RawEmail.State.QUARANTINED
    raw_email.reason = plain_text(reason, max_length=2000)  # exception texts may quote NUL bytes
    raw_email.processed_at = timezone.now()
    RawEmail.objects.filter(pk=raw_email.pk).update(
        state=raw_email.state,
        reason=raw_email.reason,
        processed_at=raw_email.processed_at,
        sender=raw_email.sender,
        subject=raw_email.subject,
    )


def parse_within_limits(raw_email: RawEmail) -> ParsedEmail:
    """The parsed email; raises UnparseableEmail or EmailRejected (size, attachment count)."""
    if raw_email.size > max_email_bytes():
        raise EmailRejected(f"The message is larger than the limit of {max_email_bytes()} bytes.")
    parsed = parse_email(bytes(raw_email.raw))
    limit = getattr(settings, "TICKETS_MAX_ATTACHMENTS_PER_MESSAGE", 10)
    if len(parsed.attachments) > limit:
        raise EmailRejected(f"The message has {len(parsed.attachments)} attachments; the limit is {limit}.")
    return parsed


def envelope_of(parsed: ParsedEmail) -> tuple[str, str]:
    """(sender, subject) as a RawEmail row keeps them."""
    return parsed.from_address[:254], plain_text(parsed.subject, max_length=500, single_line=True)


def _process(raw_email: RawEmail) -> None:
    parsed = parse_within_limits(raw_email)
    raw_email.sender, raw_email.subject = envelope_of(parsed)
    token = reply_token(parsed.recipients)
    ticket = thread_ticket(parsed, token)
    reason = automatic_reason(parsed, own_message_id=_is_our_message_id(parsed.message_id))
    if reason:
        _record_automatic(raw_email, parsed, ticket, reason)
    else:
        result = intake_message(inbound=inbound_of(parsed, ticket, agent=_verified_agent(token, ticket)))
        raw_email.ticket, raw_email.message = result.ticket, result.message
        raw_email.state = RawEmail.State.CREATED if result.created else RawEmail.State.THREADED
        if result.created:
            ticket_acknowledge(ticket=result.ticket)
    raw_email.reason = reason
    raw_email.processed_at = timezone.now()
    raw_email.save(update_fields=PROCESSED_FIELDS)


PROCESSED_FIELDS = [
    "sender",
    "subject",
    "state",
    "reason",
    "is_automatic",
    "ticket",
    "message",
    "processed_at",
]


def in_our_domain(message_id: str) -> bool:
    """Our outbound ids end with our domain (mail.services.email_queue); only those need a look-up."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].lower()
    return bool(message_id) and message_id.lower().endswith(f"@{domain}>")


def _is_our_message_id(message_id: str) -> bool:
    return in_our_domain(message_id) and OutboundEmail.objects.filter(message_id=message_id).exists()


def _record_automatic(raw_email: RawEmail, parsed: ParsedEmail, ticket: Ticket | None, reason: str) -> None:
    """Automatic mail is recorded (on its ticket as a system message when it threads) and never answered;
    at most INBOUND_AUTOMATIC_PER_HOUR per sender are put on tickets, the rest only kept here."""
    raw_email.is_automatic = True
    raw_email.state = RawEmail.State.IGNORED
    if ticket is None or ticket.merged_into_id or ticket.is_spam or _over_automatic_cap(parsed.from_address):
        return
    raw_email.ticket = ticket
    raw_email.message = ticket_system_message(ticket=ticket, body=automatic_summary(parsed, reason))


def automatic_summary(parsed: ParsedEmail, reason: str) -> str:
    """The system message automatic mail leaves on its ticket."""
    return f"Automatic email from {parsed.from_address} ({reason}):\n\n{new_part(parsed.text)[:5000]}"


def automatic_cap() -> int:
    return getattr(settings, "INBOUND_AUTOMATIC_PER_HOUR", 5)


def automatic_on_tickets_last_hour(senders) -> dict[str, int]:
    """Per sender, their automatic emails put on tickets in the last hour (one query)."""
    since = timezone.now() - timedelta(hours=1)
    recent = RawEmail.objects.filter(sender__in=list(senders), is_automatic=True, received_at__gte=since)
    return dict(recent.exclude(message=None).values_list("sender").annotate(n=Count("id")).order_by())


def _over_automatic_cap(sender: str) -> bool:
    return automatic_on_tickets_last_hour([sender]).get(sender, 0) >= automatic_cap()


def agent_verifiable(token: ReplyToken | None, ticket: Ticket | None) -> bool:
    """The signed reply address names an agent of this very ticket: it may be an agent's reply."""
    return token is not None and bool(token.agent_id) and ticket is not None and token.ticket_id == ticket.pk


def _verified_agent(token: ReplyToken | None, ticket: Ticket | None) -> User | None:
    return User.objects.filter(pk=token.agent_id).first() if agent_verifiable(token, ticket) else None


def inbound_of(parsed: ParsedEmail, ticket: Ticket | None, *, agent: User | None) -> InboundMessage:
    """What intake gets from an email: the new part of the text (quotes and signature folded)."""
    shown = new_part(parsed.text)
    folded = shown != parsed.text.strip()
    return InboundMessage(
        channel=Ticket.Channel.EMAIL,
        sender_email=parsed.from_address,
        sender_name=parsed.from_name,
        subject=parsed.subject,
        body=shown,
        # The HTML is shown only when nothing was folded away; otherwise the folded text is.
        body_html="" if folded else parsed.html,
        attachments=[
            SimpleUploadedFile(a.filename, a.content, a.content_type) for a in parsed.attachments if a.content
        ],
        external_message_id=parsed.message_id,
        ticket=ticket,
        agent=agent,
        language=header_text(parsed.headers, "Content-Language")[:16] if parsed.headers else "",
    )
