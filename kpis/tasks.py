"""KPI tasks: thin wrappers that call kpis.services (idempotent, safe to retry and to overlap)."""

import time
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from .services import BATCH, kpis_catch_up, kpis_recompute

# Stop a catch-up run after this long; the next beat tick goes on from the cursor.
CATCH_UP_SECONDS = 25


@shared_task(acks_late=True)
def kpis_catch_up_task() -> int:
    """Process everything recorded since the cursors (beat runs this every 30 seconds)."""
    started, processed = time.monotonic(), 0
    while time.monotonic() - started < CATCH_UP_SECONDS:
        result = kpis_catch_up()
        processed += result.events + result.stage_changes
        if result.events < BATCH and result.stage_changes < BATCH:
            break
    return processed


@shared_task(acks_late=True)
def kpis_recompute_recent_task(days: int = 90) -> int:
    """Nightly: rebuild the facts of everything created or changed in the last `days` days."""
    today = timezone.localdate()
    return kpis_recompute(date_from=today - timedelta(days=days), date_to=today).tickets
