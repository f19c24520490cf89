"""Outbound email: queue a row, send it from a task."""

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import make_msgid
from django.db import transaction
from django.utils import timezone

from .models import OutboundEmail
from .selectors import emails_written_to

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class EmailDraft:
    """One email to queue, as email_queue takes it."""

    to: list[str]
    subject: str
    body_text: str
    body_html: str = ""
    reply_to: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    message_id: str = ""
    auto_generated: bool = False


@transaction.atomic
def email_queue(
    *,
    to: list[str],
    subject: str,
    body_text: str,
    body_html: str = "",
    reply_to: str = "",
    headers: dict[str, str] | None = None,
    message_id: str = "",
    auto_generated: bool = False,
) -> OutboundEmail:
    """Record an email to send; the send task runs after the transaction commits."""
    from .tasks import email_send

    draft = EmailDraft(
        to=list(to),
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        reply_to=reply_to,
        headers=dict(headers or {}),
        message_id=message_id,
        auto_generated=auto_generated,
    )
    email = _outbound(draft)
    email.save(force_insert=True)
    email_send.delay_on_commit(email.pk)
    return email


@transaction.atomic
def email_queue_bulk(*, drafts: list[EmailDraft]) -> list[OutboundEmail]:
    """email_queue for many emails, written in one statement (automatic mail sent in bulk), with
    one nudge for all of them to the send task after commit (a nudge that cannot be published is
    logged; the outbox sweep sends them later)."""
    emails = OutboundEmail.objects.bulk_create([_outbound(draft) for draft in drafts])
    if emails:
        transaction.on_commit(partial(_nudge, [email.pk for email in emails]), robust=True)
    return emails


def _nudge(ids: list[int]) -> None:
    from .tasks import emails_send

    emails_send.delay(ids)


def outbound_message_id() -> str:
    """A fresh Message-ID in our domain, for callers that store it before queueing the email."""
    return make_msgid(domain=settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or None)


def _outbound(draft: EmailDraft) -> OutboundEmail:
    headers = dict(draft.headers)
    if draft.auto_generated:
        # Our own automatic mail says so, so that other systems do not answer it.
        headers.setdefault("Auto-Submitted", "auto-generated")
    return OutboundEmail(
        to=list(draft.to),
        subject=draft.subject.replace("\r", " ").replace("\n", " ")[:998],
        body_text=draft.body_text,
        body_html=draft.body_html,
        from_email=settings.DEFAULT_FROM_EMAIL,
        reply_to=draft.reply_to,
        headers=headers,
        message_id=draft.message_id or outbound_message_id(),
    )


def email_deliver(*, email: OutboundEmail) -> OutboundEmail:
    """Send one queued email; safe to call twice (a sent email is not sent again)."""
    with transaction.atomic():
        email = OutboundEmail.objects.select_for_update().get(pk=email.pk)
        if email.state != OutboundEmail.State.QUEUED:
            return email
        email.attempts += 1
        email.save(update_fields=["attempts"])
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=email.from_email or settings.DEFAULT_FROM_EMAIL,
        to=email.to,
        reply_to=[email.reply_to] if email.reply_to else None,
        headers={"Message-ID": email.message_id, **email.headers},
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    try:
        message.send()
    except Exception as exc:
        email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if email.attempts >= MAX_ATTEMPTS:
            email.state = OutboundEmail.State.FAILED
        email.save(update_fields=["last_error", "state"])
        raise
    email.state = OutboundEmail.State.SENT
    email.sent_at = timezone.now()
    email.last_error = ""
    email.save(update_fields=["state", "sent_at", "last_error"])
    return email


def emails_due_for_sweep(*, older_than: timedelta = timedelta(minutes=1)) -> list[int]:
    """Queued emails whose nudge may have been lost."""
    cutoff = timezone.now() - older_than
    return list(
        OutboundEmail.objects.filter(state=OutboundEmail.State.QUEUED, created_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)[:500]
    )


ERASED = "[erased]"


@transaction.atomic
def outbound_emails_erase(*, addresses: list[str]) -> int:
    """Blank the emails written to any of `addresses` (a customer is being erased); those still
    queued are never sent. Returns how many rows were changed."""
    emails = emails_written_to(addresses=addresses)
    emails.filter(state=OutboundEmail.State.QUEUED).update(
        state=OutboundEmail.State.FAILED, last_error="Not sent: the recipient was erased."
    )
    return emails.update(to=[], subject=ERASED, body_text=ERASED, body_html="")
