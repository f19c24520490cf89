"""The Celery app.

Tasks are thin: they take ids, load rows and call a service. Work that must happen is a
row written in the same transaction as its cause; a task publish is only a nudge, so a
broker that is down must never make a request hang or fail. Publishing therefore has a
short timeout and a failure is logged, not raised; each app's periodic sweep finds the
rows a lost message missed.
"""

import logging
import os

from celery import Celery
from celery.contrib.django.task import DjangoTask
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

logger = logging.getLogger(__name__)


class SafeTask(DjangoTask):
    """A task whose publishing never raises into the caller."""

    def apply_async(self, *args, **kwargs):
        try:
            return super().apply_async(*args, **kwargs)
        except Exception:
            if self.app.conf.task_always_eager:
                raise
            logger.exception("Could not publish %s; the periodic sweep will pick it up.", self.name)
            return None


app = Celery("helpdesk", task_cls=SafeTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    timezone=os.environ.get("TIME_ZONE", "UTC"),
    enable_utc=True,
    # Every task is idempotent: acknowledge after it ran, and redeliver if the worker died.
    task_acks_late=True,
    # Nothing reads task results. Kept, every publish from a web process would also subscribe to
    # the result's channel in Redis: with Redis down that retries for 20 seconds inside the request
    # and then leaves the process unable to publish anything until it is restarted.
    task_ignore_result=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_soft_time_limit=300,
    task_time_limit=360,
    result_expires=3600,
    # Publishing must not hang a web request when the broker is down.
    broker_connection_timeout=2,
    broker_connection_retry_on_startup=True,
    broker_transport_options={
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
        "max_retries": 1,
        # A task whose worker died unacknowledged is delivered again after this many seconds;
        # it must exceed task_time_limit, or a task still running is delivered twice.
        "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
    },
    task_publish_retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.2},
    redis_socket_connect_timeout=2,
    redis_socket_timeout=5,
)
# The beat schedule is kept here, in code: one entry per periodic task of every app.
app.conf.beat_schedule = {
    "mail-outbox-sweep": {"task": "mail.tasks.outbox_sweep", "schedule": 60.0},
    "webhooks-sweep": {"task": "webhooks.tasks.webhooks_sweep", "schedule": 10.0},
    "api-idempotency-prune": {"task": "api.tasks.idempotency_prune", "schedule": crontab(hour=3, minute=15)},
    "kpis-catch-up": {"task": "kpis.tasks.kpis_catch_up_task", "schedule": 30.0},
    "kpis-nightly-recompute": {
        "task": "kpis.tasks.kpis_recompute_recent_task",
        "schedule": crontab(hour=3, minute=15),
    },
    "tickets-delivery-sync": {"task": "tickets.tasks.message_delivery_sync", "schedule": 60.0},
    "lifecycle-churn-inactive": {
        "task": "lifecycle.tasks.lifecycle_churn_inactive",
        "schedule": crontab(minute=7),
    },
    "kb-popularity-refresh": {"task": "kb.tasks.kb_popularity_refresh", "schedule": 3600.0},
    "tickets-inbound-email-sweep": {"task": "tickets.tasks.inbound_email_sweep", "schedule": 60.0},
    "tickets-followups-send": {"task": "tickets.tasks.followups_send", "schedule": 300.0},
    "tickets-imap-poll": {
        "task": "tickets.tasks.imap_poll",
        "schedule": float(os.environ.get("IMAP_POLL_SECONDS", "60")),
    },
}
app.autodiscover_tasks()

__all__ = ("app", "crontab")
