"""Measure the lifecycle budgets of issue #4 on the current database (a seeded PostgreSQL copy).

- recording an event and applying the rules: the database time of one touchpoint_record (the
  sum of its statements' round trips, commit excluded), one event in ten arriving late (before
  the customer's last activity, so that it replays their history);
- the periodic churn task over every customer (the set-based rule, then the exit survey emails
  queued), with the churn window shortened so that many customers are due.

Everything runs in transactions that are rolled back: the database is left as it was.
`make bench` runs this with --json (bench/measures.py).
"""

import json
import random
import statistics
import time
from datetime import timedelta
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from lifecycle.models import Customer, LifecycleSettings, TouchpointEvent
from lifecycle.services import churn_inactive_customers, touchpoint_record
from lifecycle.tasks import exit_surveys_send_pending

WARM_UP = 20
LATE_EVERY = 10


class Rollback(Exception):
    pass


class QueryTimer:
    """A connection.execute_wrapper summing the time spent in the database and counting statements."""

    def __init__(self):
        self.total = 0.0
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.total += time.perf_counter() - started
            self.count += 1


def measure_events(count: int) -> dict:
    """Database time per touchpoint_record over `count` events on random customers."""
    active = Customer.objects.active().filter(last_activity_at__isnull=False).order_by("?")
    customers = list(active.values_list("pk", "last_activity_at")[:50_000])
    rng = random.Random(1)  # noqa: S311 - picks benchmark customers  # nosec B311
    types = [t for t in TouchpointEvent.Type.values if t not in ("cancelled", "refund")]
    samples: dict[bool, list[tuple[float, int]]] = {False: [], True: []}
    now = timezone.now()
    try:
        with transaction.atomic():
            for index in range(-WARM_UP, count):
                pk, last_activity = rng.choice(customers)
                # One in ten arrives late: a day before the customer's last activity, so it replays.
                late = index % LATE_EVERY == 0
                timer = QueryTimer()
                with connection.execute_wrapper(timer):
                    touchpoint_record(
                        customer=Customer(pk=pk),
                        type=rng.choice(types),
                        occurred_at=last_activity - timedelta(days=1) if late else now,
                        source="bench",
                        idempotency_key=f"bench-{now.timestamp()}-{index}",
                        value=Decimal("10.00"),
                    )
                if index >= 0:
                    samples[late].append((timer.total * 1000, timer.count))
            raise Rollback
    except Rollback:
        pass
    every = sorted(samples[False] + samples[True])
    return {
        "events": count,
        "late_share": 1 / LATE_EVERY,
        "db_ms_median": round(statistics.median(ms for ms, _ in every), 2),
        "db_ms_p95": round(every[int(len(every) * 0.95) - 1][0], 2),
        "db_ms_median_in_order": round(statistics.median(ms for ms, _ in samples[False]), 2),
        "db_ms_median_late": round(statistics.median(ms for ms, _ in samples[True]), 2),
        "queries_in_order": statistics.median(n for _, n in samples[False]),
        "queries_late": statistics.median(n for _, n in samples[True]),
    }


def measure_churn(days: int) -> dict:
    """The hourly churn task's work (churn rule, then the survey emails) with a `days` window."""
    try:
        with transaction.atomic():
            LifecycleSettings.objects.update_or_create(pk=1, defaults={"churn_inactivity_days": days})
            started = time.perf_counter()
            churned, surveys = churn_inactive_customers()
            rule_s = time.perf_counter() - started
            emails = exit_surveys_send_pending()
            total_s = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    return {
        "customers": Customer.objects.count(),
        "window_days": days,
        "churned": churned,
        "surveys": surveys,
        "emails": emails,
        "rule_s": round(rule_s, 2),
        "seconds": round(total_s, 2),
    }


class Command(BaseCommand):
    help = "Measure event recording (DB time per event) and the set-based churn task."

    def add_arguments(self, parser):
        parser.add_argument("--events", type=int, default=300)
        parser.add_argument("--churn-days", type=int, default=30, help="Churn window used for the churn run.")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print the figures as one JSON document."
        )

    def handle(self, *args, events: int, churn_days: int, as_json: bool, **options):
        figures = {"events": measure_events(events), "churn": measure_churn(churn_days)}
        if as_json:
            self.stdout.write(json.dumps(figures))
            return
        e, c = figures["events"], figures["churn"]
        self.stdout.write(f"database: {connection.vendor}, customers: {c['customers']}")
        self.stdout.write(
            f"touchpoint_record: {e['events']} events ({e['late_share']:.0%} late), DB time per event: "
            f"median {e['db_ms_median']:.2f} ms, p95 {e['db_ms_p95']:.2f} ms; in order: median "
            f"{e['db_ms_median_in_order']:.2f} ms in {e['queries_in_order']:.0f} statements; late: median "
            f"{e['db_ms_median_late']:.2f} ms in {e['queries_late']:.0f} statements"
        )
        self.stdout.write(
            f"churn task (window {c['window_days']} days): {c['churned']} customers churned, "
            f"{c['surveys']} surveys opened, {c['emails']} emails queued in {c['seconds']:.2f} s "
            f"(the rule alone {c['rule_s']:.2f} s; rolled back)"
        )
