"""A full recompute on PostgreSQL: every derived table built anew on several connections at
once (two by default), in a side schema, then swapped in by one short transaction.

Why this shape:
- One INSERT … SELECT uses one core (PostgreSQL 15 does not parallelise them): the jobs below
  run on `workers()` connections at once (settings.KPI_BUILD_CONNECTIONS, default 2: one per
  core of the database server it was tuned on), each building tables, or a part of one, that
  do not depend on each other's rows, so a run uses every core.
- Each job commits on its own connection, which another transaction could not see in the
  live tables; in the side schema nobody else looks at them. The old tables stay live until
  the swap, so the dashboard and the incremental path keep reading and updating them during
  the run instead of waiting on a TRUNCATE's lock for the whole of it.
- The tables get their indexes only after their rows are in (cheaper than row by row), each
  index a job of its own so that they are built side by side, and the indexes keep their
  names: after the swap the schema is exactly what the migrations made.

Each job's session puts the side schema first on its search_path: the pipeline's statements
name the tables unqualified, so they write and read the new tables and still read the raw ones.
"""

import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db import connection, transaction

from . import customers, rollups, tickets
from .sql import analyze, bulk_session, fetch, run

SCHEMA = "kpis_build"


def workers() -> int:
    return max(1, int(getattr(settings, "KPI_BUILD_CONNECTIONS", 2)))


@dataclass
class Job:
    name: str
    work: Callable[[], None]
    after: tuple[str, ...] = ()
    atomic: bool = True


@dataclass
class Index:
    table: str
    name: str
    definition: str
    constraint: str = ""  # "PRIMARY KEY" or "UNIQUE" when the index backs a constraint


def home_schema() -> str:
    return fetch("SELECT current_schema()")[0][0]


def indexes(tables: list[str]) -> list[Index]:
    """Every index of `tables` as it is now, to be built again on the new tables."""
    rows = fetch(
        "SELECT c.relname, ci.relname, pg_get_indexdef(i.indexrelid),"
        " CASE con.contype WHEN 'p' THEN 'PRIMARY KEY' WHEN 'u' THEN 'UNIQUE' ELSE '' END"
        " FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class ci ON ci.oid = i.indexrelid"
        " LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.contype IN ('p', 'u')"
        " WHERE i.indrelid = ANY(%s::regclass[]) ORDER BY c.relname, ci.relname",
        [tables],
    )
    return [Index(*row) for row in rows]


def create_tables(tables: list[str], home: str) -> None:
    """Empty copies of `tables` (columns, defaults, identities, checks; no indexes) in SCHEMA."""
    run(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    run(f"CREATE SCHEMA {SCHEMA}")
    for table in tables:
        run(
            f"CREATE TABLE {SCHEMA}.{table} (LIKE {home}.{table}"
            " INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING CONSTRAINTS)"
        )


def build_index(index: Index, home: str) -> None:
    """The index on the new table, under its own name (a schema holds its tables' indexes)."""
    old = f" ON {home}.{index.table} "
    if old not in index.definition:
        raise RuntimeError(f"Unexpected index definition: {index.definition}")
    run(index.definition.replace(old, f" ON {SCHEMA}.{index.table} ", 1))


def vacuum(table: str) -> None:
    """Statistics, and every page marked all-visible so that index-only scans skip the table
    (outside a transaction; before the indexes are built, so that it reads the table only)."""
    run(f"VACUUM (ANALYZE) {SCHEMA}.{table}")


def swap(tables: list[str], home: str, indexes: list[Index]) -> None:
    """Replace the live tables by the new ones (in the caller's transaction: all at once).

    The primary keys and unique constraints are attached to their indexes here, not when each
    index is built: that takes the table from the jobs still reading it (the facts read the
    roots for 20 s), and a build connection would wait for them doing nothing.
    """
    for index in indexes:
        if index.constraint:
            run(
                f"ALTER TABLE {SCHEMA}.{index.table} ADD CONSTRAINT {index.name}"
                f" {index.constraint} USING INDEX {index.name}"
            )
    for table in tables:
        run(f"DROP TABLE {home}.{table}")
        run(f"ALTER TABLE {SCHEMA}.{table} SET SCHEMA {home}")
    run(f"DROP SCHEMA {SCHEMA}")


def drop() -> None:
    run(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")


def full_build_jobs(indexes: list[Index], home: str, *, churn_risk: Callable[[], object]) -> list[Job]:
    """The full recompute as jobs, the critical path (roots and replies, facts, ticket rollup)
    first; the tickets are split in parts by customer and the ticket rollup by day, so that
    both connections stay busy on it."""
    parts = [(k, workers()) for k in range(workers())]
    replies = tuple(f"replies {k}" for k, _ in parts)
    facts = tuple(f"facts {k}" for k, _ in parts)
    fact_inputs = ("roots", "analyze replies")
    ticket_rollup = tuple(f"ticket rollup {k}" for k, _ in parts)
    jobs = [
        Job("roots", _roots_full),
        *(
            Job(name, partial(tickets.rebuild_reply_days, full=True, part=part))
            for name, part in zip(replies, parts, strict=True)
        ),
        Job("analyze replies", partial(analyze, ["kpis_ticketreplyday"]), after=replies),
        *(
            Job(name, partial(tickets.rebuild_facts, full=True, part=part), after=fact_inputs)
            for name, part in zip(facts, parts, strict=True)
        ),
        Job("analyze facts", partial(analyze, ["kpis_ticketfact", "kpis_unsolvedspan"]), after=facts),
        *(
            Job(name, partial(rollups.build, "kpis_ticketrollup", part=part), after=("analyze facts",))
            for name, part in zip(ticket_rollup, parts, strict=True)
        ),
        Job("duration rollup", partial(rollups.build, "kpis_durationrollup"), after=("analyze facts",)),
        Job("reply rollup", partial(rollups.build, "kpis_replyrollup"), after=("analyze replies",)),
        Job("churn risk", churn_risk, after=("analyze facts",)),
        # Independent of the tickets, but it would hold back a half of the facts if it started
        # first: it fills a gap after them instead.
        Job("stage spans", _stage_tables_full, after=facts),
    ]
    loaded_by = {
        "kpis_ticketfact": facts,
        "kpis_unsolvedspan": facts,
        "kpis_ticketrollup": ticket_rollup,
        "kpis_ticketreplyday": replies,
        "kpis_ticketroot": ("roots",),
        "kpis_stagespan": ("stage spans",),
        "kpis_stagerollup": ("stage spans",),
        "kpis_durationrollup": ("duration rollup",),
        "kpis_replyrollup": ("reply rollup",),
    }
    for table, loaders in loaded_by.items():
        jobs.append(Job(f"vacuum {table}", partial(vacuum, table), after=loaders, atomic=False))
        jobs += [
            Job(
                f"index {index.name}",
                partial(build_index, index, home),
                after=(f"vacuum {table}",),
                atomic=False,
            )
            for index in indexes
            if index.table == table
        ]
    return jobs


def _roots_full() -> None:
    tickets.rebuild_roots(full=True)
    analyze(["kpis_ticketroot"])


def _stage_tables_full() -> None:
    customers.rebuild_stage_spans(full=True)
    customers.build_stage_rollup()


def run_jobs(jobs: list[Job], home: str) -> dict[str, float]:
    """Run the jobs on workers() connections, each as soon as the jobs it comes after are done,
    the earlier in the list first; returns each job's seconds."""
    pending, running, done, times, count = list(jobs), {}, set(), {}, workers()
    with ThreadPoolExecutor(max_workers=count, thread_name_prefix="kpis-build") as pool:
        try:
            while pending or running:
                ready = [job for job in pending if set(job.after) <= done]
                for job in ready[: count - len(running)]:
                    pending.remove(job)
                    running[pool.submit(_run_job, job, home)] = job
                if not running:
                    raise RuntimeError(f"Jobs wait for jobs that do not exist: {[j.name for j in pending]}")
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    job = running.pop(future)
                    times[job.name] = future.result()
                    done.add(job.name)
        finally:
            pending.clear()
    return times


def _run_job(job: Job, home: str) -> float:
    """One job on this thread's own connection, closed afterwards."""
    started = time.monotonic()
    try:
        run(f"SET search_path TO {SCHEMA}, {home}")
        run("SET maintenance_work_mem = '1GB'")
        if job.atomic:
            with transaction.atomic():
                bulk_session()
                job.work()
        else:
            job.work()
    finally:
        connection.close()
    return time.monotonic() - started
