"""Outbound email: queue a row, send it from a task."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import make_msgid
from django.db import transaction
from django.utils import timezone

from .models import OutboundEmail

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 8


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

    headers = dict(headers or {})
    if auto_generated:
        # Our own automatic mail says so, so that other systems do not answer it.
        headers.setdefault("Auto-Submitted", "auto-generated")
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or None
    email = OutboundEmail.objects.create(
        to=list(to),
        subject=subject.replace("\r", " ").replace("\n", " ")[:998],
        body_text=body_text,
        body_html=body_html,
        from_email=settings.DEFAULT_FROM_EMAIL,
        reply_to=reply_to,
        headers=headers,
        message_id=message_id or make_msgid(domain=domain),
    )
    email_send.delay_on_commit(email.pk)
    return email


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
