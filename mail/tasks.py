import logging

from celery import shared_task

from .models import OutboundEmail
from .services import email_deliver, emails_due_for_sweep

logger = logging.getLogger(__name__)


@shared_task(autoretry_for=(OSError,), retry_backoff=30, retry_backoff_max=3600, max_retries=7)
def email_send(email_id: int) -> None:
    email = OutboundEmail.objects.filter(pk=email_id).first()
    if email is not None:
        email_deliver(email=email)


@shared_task
def outbox_sweep() -> int:
    ids = emails_due_for_sweep()
    for email_id in ids:
        email_send.delay(email_id)
    return len(ids)


@shared_task
def emails_send(email_ids: list[int]) -> None:
    """Send emails queued together (emails_queue_bulk publishes one nudge for all); an email that
    cannot be sent now is handed to email_send, which retries it alone with backoff."""
    for email in OutboundEmail.objects.filter(pk__in=email_ids).order_by("pk"):
        try:
            email_deliver(email=email)
        except Exception:
            logger.warning("Email %s could not be sent; retrying it alone", email.pk, exc_info=True)
            email_send.apply_async((email.pk,), countdown=30)
