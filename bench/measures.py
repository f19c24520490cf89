"""Measurements that are not one HTTP request: recomputes, ingestion, periodic rules."""

from __future__ import annotations

import json
import os
import statistics
import subprocess  # nosec B404  # the benchmark times manage.py commands
import sys
import tempfile
import time
from pathlib import Path

from django.core.management import get_commands
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def postgres_version() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


def redis_version() -> str:
    import redis

    return redis.Redis.from_url(os.environ["REDIS_URL"]).info().get("redis_version", "?")


def _timed_command(env: dict, *args: str) -> float | None:
    if args[0] not in get_commands():
        return None
    started = time.monotonic()
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True)  # nosec B603  # our interpreter and manage.py, no shell
    return round(time.monotonic() - started, 2)


def kpi_incremental_ms(fixtures: dict, repetitions: int = 15) -> float:
    """One ticket's change folded into the KPI tables, median over `repetitions` tickets.

    Each repetition posts a public reply through the tickets service (it also opens a new
    ticket), then times the pipeline step a worker runs for it: the catch-up that processes the
    new events, up to the commit.
    """
    from django.contrib.auth import get_user_model

    from kpis.services import kpis_catch_up
    from tickets.models import Ticket
    from tickets.services.messages import ticket_reply

    agent = get_user_model().objects.get(username="agent")
    tickets = Ticket.objects.filter(pk__in=fixtures["ticket_ids"]).exclude(status=Ticket.Status.CLOSED)
    kpis_catch_up()  # whatever was recorded before is not part of the figure
    timings = []
    for ticket in tickets.order_by("-pk")[:repetitions]:
        ticket_reply(ticket=ticket, by=agent, body="Benchmark reply")
        started = time.perf_counter()
        result = kpis_catch_up()
        timings.append((time.perf_counter() - started) * 1000)
        if not result.events:
            raise RuntimeError("the reply's events were not picked up")
    return round(statistics.median(timings), 2)


def run_all(env: dict, fixtures: dict) -> dict:
    values: dict[str, float | None] = {}
    if os.environ.get("BENCH_SKIP_RECOMPUTE") == "1":
        # For runs about other paths: the dashboards then read whatever KPI tables exist.
        print("  KPI full recompute skipped (BENCH_SKIP_RECOMPUTE=1)", flush=True)
        values["kpi_full_recompute_s"] = None
    else:
        print("  KPI full recompute ...", flush=True)
        values["kpi_full_recompute_s"] = _timed_command(env, "recompute_kpis")
    print("  KPI incremental, one ticket ...", flush=True)
    values["kpi_incremental_ms"] = kpi_incremental_ms(fixtures)
    values.update(lifecycle_budgets(env))
    return {"results": [], "values": values}


def lifecycle_budgets(env: dict) -> dict[str, float | None]:
    """Issue #4: one event's database time (median, one in ten late) and the hourly churn task over
    every customer with a 30-day window (churn rule and exit survey emails), both rolled back."""
    print("  lifecycle event and churn task ...", flush=True)
    done = subprocess.run(  # nosec B603  # our interpreter and manage.py, no shell
        [sys.executable, "manage.py", "lifecycle_bench", "--json", "--events", "500", "--churn-days", "30"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    figures = json.loads(done.stdout)
    events, churn = figures["events"], figures["churn"]
    print(
        f"    event: median {events['db_ms_median']} ms of database time (p95 {events['db_ms_p95']} ms; "
        f"{events['queries_in_order']:.0f} statements in order, {events['queries_late']:.0f} late); "
        f"churn task: {churn['churned']:,} of {churn['customers']:,} customers churned, "
        f"{churn['emails']:,} emails queued in {churn['seconds']} s",
        flush=True,
    )
    return {
        "lifecycle_event_db_ms": events["db_ms_median"],
        "lifecycle_event_db_ms_p95": events["db_ms_p95"],
        "churn_rule_s": churn["seconds"],
        "churn_rule_customers": churn["customers"],
        "churn_rule_churned": churn["churned"],
    }


def run_last(env: dict) -> dict[str, float | None]:
    """Measures that add data to the benchmark database, run after the HTTP paths."""
    return email_ingest(env)


def email_ingest(env: dict) -> dict[str, float | None]:
    """Issue #7: BENCH_EMAILS (10,000) generated emails ingested from a Maildir by
    `manage.py ingest_email --workers 2`, acknowledgements on; msg/s over the command's wall time.

    The mix is bench/email/make_maildir.py's, with known customers and their open tickets read from
    the benchmark database; every run gets new Message-IDs, so it adds tickets that later runs see
    as more of the same data. The acknowledgements are written to the outbox like any other, but
    their nudges go to an in-memory broker, so that the next run's worker does not send them
    during its paths (sending is the outbox's work, measured elsewhere).
    """
    if "ingest_email" not in get_commands():
        return {"email_ingest_per_s": None}
    count = int(os.environ.get("BENCH_EMAILS", "10000"))
    workers = os.environ.get("BENCH_INGEST_WORKERS", "2")
    print(f"  email ingestion ({count:,} messages, {workers} workers) ...", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        known, maildir = Path(folder) / "known.tsv", Path(folder) / "Maildir"
        known.write_text("".join(f"{address}\t{reference}\n" for address, reference in _known_senders()))
        tag = f"bench{int(time.time())}"
        make = [
            sys.executable,
            "-m",
            "bench.email.make_maildir",
            str(maildir),
            str(count),
            "--known",
            str(known),
        ]
        subprocess.run([*make, "--tag", tag], cwd=ROOT, check=True, capture_output=True)  # nosec B603  # our interpreter, no shell
        ingest_env = {
            **env,
            "EMAIL_ACKNOWLEDGE_NEW_TICKETS": "1",
            "REDIS_URL": "",
            "CELERY_TASK_ALWAYS_EAGER": "0",
        }
        started = time.monotonic()
        done = subprocess.run(  # nosec B603  # our interpreter and manage.py, no shell
            [sys.executable, "manage.py", "ingest_email", str(maildir), "--workers", workers],
            cwd=ROOT,
            env=ingest_env,
            check=True,
            capture_output=True,
            text=True,
        )
        seconds = time.monotonic() - started
    print(f"    {done.stdout.strip()}", flush=True)
    return {"email_ingest_per_s": round(count / seconds, 1), "email_ingest_wall_s": round(seconds, 1)}


def _known_senders(limit: int = 500) -> list[tuple[str, str]]:
    """(address, reference) of customers with a ticket still open, newest first."""
    from tickets.models import Ticket

    rows = (
        Ticket.objects.filter(channel=Ticket.Channel.EMAIL, merged_into__isnull=True, is_spam=False)
        .exclude(status=Ticket.Status.CLOSED)
        .exclude(requester_email="")
        .order_by("-id")
        .values_list("requester_email", "id")[:limit]
    )
    return [(address, Ticket(pk=pk).reference) for address, pk in rows]
