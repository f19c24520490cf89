from celery import shared_task

from .models import OutboundEmail
from .services import email_deliver, emails_due_for_sweep


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
