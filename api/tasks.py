from celery import shared_task

from .idempotency import idempotency_records_prune


@shared_task
def idempotency_prune() -> int:
    return idempotency_records_prune()
