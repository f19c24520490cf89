from celery import shared_task

from .models import Delivery
from .services import deliveries_due, deliveries_fan_out, delivery_attempt


@shared_task
def webhook_deliver(delivery_id: int) -> str | None:
    delivery = Delivery.objects.filter(pk=delivery_id).first()
    return delivery_attempt(delivery=delivery).state if delivery else None


@shared_task
def webhooks_sweep() -> int:
    """Fan out new events, then send every delivery that is due (new ones and retries)."""
    deliveries_fan_out()
    due = deliveries_due()
    for delivery_id in due:
        webhook_deliver.delay(delivery_id)
    return len(due)
