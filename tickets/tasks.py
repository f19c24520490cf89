"""Periodic work of the tickets app. Tasks are thin: they call one service."""

from celery import shared_task

from .services import messages_delivery_sync


@shared_task
def message_delivery_sync() -> int:
    """Every minute (beat): mark emailed replies sent or failed as the outbox delivers them."""
    return messages_delivery_sync()
