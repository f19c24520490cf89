"""Measure the KPI budgets on a seeded benchmark database (it writes a few status changes).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_kpis_bench DEBUG=1 \
        .venv/bin/python scripts/bench_kpis.py [--skip-recompute]

Prints: full recompute seconds, one ticket's incremental update (median and p95 over 30 runs,
each a real status change through the tickets service followed by kpis_catch_up), and the
dashboard's server-side render time (median and p95 over 40 requests, 30-day default range).
"""

import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

import django

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from kpis.services import kpis_catch_up, kpis_recompute  # noqa: E402
from tickets import services  # noqa: E402
from tickets.models import Ticket  # noqa: E402


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def check(response) -> None:
    if response.status_code != 200:
        raise SystemExit(f"dashboard answered {response.status_code}")


def main() -> None:
    print(f"tickets: {Ticket.objects.count():,}")
    if "--skip-recompute" not in sys.argv:
        started = time.perf_counter()
        result = kpis_recompute()
        print(f"full recompute: {time.perf_counter() - started:.1f}s ({result.tickets:,} tickets)")
    kpis_catch_up()
    agent = User.objects.get(username="agent")
    rng = random.Random(7)  # noqa: S311 - a reproducible sample, not a secret  # nosec B311
    ids = list(
        Ticket.objects.filter(status="open", merged_into__isnull=True).values_list("pk", flat=True)[:5000]
    )
    timings = []
    for pk in rng.sample(ids, 30):
        services.ticket_set_status(ticket=Ticket.objects.get(pk=pk), status="pending", by=agent)
        started = time.perf_counter()
        result = kpis_catch_up()
        timings.append((time.perf_counter() - started) * 1000)
        if result.events < 1:
            raise SystemExit("the status change was not picked up")
    print(f"one ticket incremental: median {statistics.median(timings):.1f} ms, p95 {p95(timings):.1f} ms")

    setup_test_environment()
    client = Client()
    client.force_login(User.objects.get(username="manager"))
    for _ in range(3):
        check(client.get("/dashboard/"))
    renders = []
    for _ in range(40):
        started = time.perf_counter()
        response = client.get("/dashboard/")
        renders.append((time.perf_counter() - started) * 1000)
        check(response)
    print(f"dashboard render: median {statistics.median(renders):.1f} ms, p95 {p95(renders):.1f} ms")


if __name__ == "__main__":
    main()
