"""Periodic work of the tickets app. Tasks are thin: they call one service."""

from celery import shared_task
from django.db import transaction

from .channels.email.followup import followup_send, followups_due
from .channels.email.imap import imap_poll_mailbox
from .channels.email.ingest import raw_email_process, raw_emails_due_for_sweep
from .models import RawEmail
from .services import messages_delivery_sync


@shared_task
def message_delivery_sync() -> int:
    """Every minute (beat): mark emailed replies sent or failed as the outbox delivers them."""
    return messages_delivery_sync()


@shared_task
def inbound_email_process(raw_email_id: int) -> str:
    """Process one stored inbound email (tickets.channels.email.ingest); safe to run twice."""
    with transaction.atomic():
        rows = RawEmail.objects.select_for_update(skip_locked=True)
        raw_email = rows.filter(pk=raw_email_id, state=RawEmail.State.RECEIVED).first()
        return raw_email_process(raw_email=raw_email).state if raw_email else ""


@shared_task
def inbound_email_sweep() -> int:
    """Every minute (beat): process received emails whose nudge was lost."""
    ids = raw_emails_due_for_sweep()
    for raw_email_id in ids:
        inbound_email_process.delay(raw_email_id)
    return len(ids)


@shared_task
def imap_poll() -> int:
    """Every IMAP_POLL_SECONDS (beat): fetch new mail from the IMAP mailbox, if one is configured."""
    return imap_poll_mailbox()


@shared_task
def followups_send() -> int:
    """Every five minutes (beat): send the follow-ups that are due (or skip reopened tickets)."""
    ids = followups_due()
    for followup_id in ids:
        followup_send(followup_id=followup_id)
    return len(ids)
