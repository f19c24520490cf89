"""Measure the lifecycle budgets on the current database (run it on a seeded PostgreSQL copy).

- recording an event and applying the rules: database time per call (sum of query times);
- the periodic churn rule over every customer, with the churn window shortened so that many
  customers are due.

Everything runs in transactions that are rolled back: the database is left as it was.
"""

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


class Rollback(Exception):
    pass


class QueryTimer:
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


class Command(BaseCommand):
    help = "Measure event recording (DB time per event) and the set-based churn rule."

    def add_arguments(self, parser):
        parser.add_argument("--events", type=int, default=300)
        parser.add_argument("--churn-days", type=int, default=30, help="Churn window used for the churn run.")

    def handle(self, *args, events: int, churn_days: int, **options):
        self.stdout.write(f"database: {connection.vendor}, customers: {Customer.objects.count()}")
        self._events(events)
        self._churn(churn_days)

    def _events(self, count: int) -> None:
        ids = list(Customer.objects.active().values_list("pk", flat=True)[:50_000])
        rng = random.Random(1)  # noqa: S311 - picks benchmark customers
        types = [t for t in TouchpointEvent.Type.values if t not in ("cancelled", "refund")]
        samples, queries = [], []
        now = timezone.now()
        try:
            with transaction.atomic():
                for index in range(count):
                    customer = Customer(pk=rng.choice(ids))
                    late = index % 10 == 0  # one in ten arrives late, a month back
                    at = now - timedelta(days=30 if late else 0, seconds=index)
                    timer = QueryTimer()
                    with connection.execute_wrapper(timer), transaction.atomic():
                        touchpoint_record(
                            customer=customer,
                            type=rng.choice(types),
                            occurred_at=at,
                            source="bench",
                            idempotency_key=f"bench-{index}",
                            value=Decimal("10.00"),
                        )
                    samples.append(timer.total * 1000)
                    queries.append(timer.count)
                raise Rollback
        except Rollback:
            pass
        samples.sort()
        p95 = samples[int(len(samples) * 0.95) - 1]
        self.stdout.write(
            f"touchpoint_record: {count} events (10% late), DB time per event: "
            f"median {statistics.median(samples):.2f} ms, p95 {p95:.2f} ms, max {samples[-1]:.2f} ms; "
            f"queries per event: median {statistics.median(queries):.0f}"
        )

    def _churn(self, days: int) -> None:
        try:
            with transaction.atomic():
                LifecycleSettings.objects.update_or_create(pk=1, defaults={"churn_inactivity_days": days})
                started = time.perf_counter()
                churned, surveys = churn_inactive_customers()
                elapsed = time.perf_counter() - started
                raise Rollback
        except Rollback:
            pass
        self.stdout.write(
            f"churn rule (window {days} days): {churned} customers churned, {surveys} surveys opened "
            f"in {elapsed:.2f} s (rolled back)"
        )
