"""Keeping the KPI tables current: incremental catch-up, ranged and full recompute, churn risk.

Every entry point locks the cursor rows first (SELECT … FOR UPDATE; SQLite serialises writers
anyway), so two workers running at once do the work once and the second finds nothing new.
The full recompute on PostgreSQL builds its tables aside first (kpis.pipeline.shadow) and
takes the cursor lock only to swap them in; one full build runs at a time (an advisory lock).
All of them are idempotent: running one again recomputes the same rows to the same values.
"""

import json
import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial

from django.db import DatabaseError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import AuditEntry
from accounts.services import audit_record
from helpdesk.db import create_indexes, drop_secondary_indexes
from lifecycle.models import StageChange
from lifecycle.services import customers_set_churn_risk
from tickets.models import TicketEvent

from . import gaps
from .dialect import day_start, is_postgres, us
from .models import CustomerRisk, KpiCursor
from .pipeline import customers as customer_tables
from .pipeline import rollups, shadow
from .pipeline import tickets as ticket_tables
from .pipeline.calendar import ensure_calendar
from .pipeline.sql import (
    SCOPE,
    analyze,
    batched,
    bulk_session,
    empty,
    empty_counting,
    fetch,
    own_plans,
    run,
)

logger = logging.getLogger(__name__)

TICKET_STREAM = "ticket_event"
STAGE_STREAM = "stage_change"
STREAMS = {TICKET_STREAM: TicketEvent, STAGE_STREAM: StageChange}
BATCH = 20_000
# An id we passed that did not exist yet may belong to a transaction still running: look again
# for this long (a rolled-back transaction leaves a gap forever).
GAP_TTL = timedelta(minutes=10)
MAX_GAPS = 5_000
GAP_LOOKBACK = 5_000


@dataclass
class CatchUp:
    events: int = 0
    stage_changes: int = 0
    tickets: int = 0
    customers: int = 0
    # A full recompute built aside leaves its tables vacuumed (kpis_vacuum has nothing to do).
    vacuumed: bool = False


def _lock_cursors() -> dict[str, KpiCursor]:
    cursors = {c.stream: c for c in KpiCursor.objects.select_for_update().order_by("stream")}
    if len(cursors) < len(STREAMS):
        for stream in STREAMS:
            KpiCursor.objects.get_or_create(stream=stream)
        cursors = {c.stream: c for c in KpiCursor.objects.select_for_update().order_by("stream")}
    return cursors


def _new_rows(cursor: KpiCursor, model, fields: tuple[str, ...] = ()) -> list[tuple]:
    """Rows (id, *fields) past the cursor (one batch) and of remembered gaps that have appeared
    since; moves the cursor on (_save_cursor stores it)."""
    rows = list(model.objects.filter(pk__gt=cursor.last_id).order_by("pk").values_list("pk", *fields)[:BATCH])
    ids = [row[0] for row in rows]
    runs = gaps.load(cursor.gaps)
    found = list(model.objects.filter(gaps.condition(runs)).values_list("pk", *fields)) if runs else []
    now = timezone.now()
    runs = gaps.remove(runs, [row[0] for row in found])
    if ids:
        present = set(ids)
        # Ids below the first one a fresh cursor sees were never passed; look back a bounded way.
        start = max(ids[0] if cursor.last_id == 0 else cursor.last_id + 1, ids[-1] - GAP_LOOKBACK)
        missing = (pk for pk in range(start, ids[-1]) if pk not in present)
        runs += gaps.from_ids(missing, now.isoformat())
        cursor.last_id = ids[-1]
    cursor.gaps = gaps.dump(gaps.keep(runs, cutoff=now - GAP_TTL, limit=MAX_GAPS))
    cursor.updated_at = now
    return rows + found


def _save_cursor(cursor: KpiCursor) -> None:
    """cursor.save() as one statement that batched() can send with the others."""
    field = KpiCursor._meta.get_field
    run(
        "UPDATE kpis_kpicursor SET last_id = %s, gaps = %s, updated_at = %s WHERE stream = %s",
        [
            cursor.last_id,
            field("gaps").get_db_prep_save(cursor.gaps, connection),
            field("updated_at").get_db_prep_save(cursor.updated_at, connection),
            cursor.stream,
        ],
    )


@transaction.atomic
def kpis_catch_up() -> CatchUp:
    """Process the ticket events and stage changes recorded since the cursors (one batch each)."""
    cursors = _lock_cursors()
    events = _new_rows(cursors[TICKET_STREAM], TicketEvent, ("ticket_id", "kind", "after"))
    changes = _new_rows(cursors[STAGE_STREAM], StageChange)
    result = CatchUp(events=len(events), stage_changes=len(changes))
    # Every write up to the first read goes to the database in one round trip (see batched()).
    with batched():
        for cursor in cursors.values():
            _save_cursor(cursor)
        if events or changes:
            _bump_version()
        if events:
            result.tickets = _refresh_tickets(events)
        if changes:
            customer_tables.scope_clear()
            for chunk in _chunks([pk for (pk,) in changes]):
                marks = ",".join(["%s"] * len(chunk))
                customer_tables.scope_add(
                    f"SELECT customer_id AS id FROM lifecycle_stagechange WHERE id IN ({marks})",
                    chunk,
                )
            result.customers = _rebuild_customer_scope()
    return result


def _bump_version() -> None:
    """The KPI tables change in this transaction: figures cached for the old version are stale."""
    run(
        "INSERT INTO kpis_kpiversion (id, version) VALUES (1, 1)"
        " ON CONFLICT (id) DO UPDATE SET version = kpis_kpiversion.version + 1"
    )


def _chunks(ids: list[int], size: int = 500):
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


# Events that can change other tickets' repeat-contact flags (a ticket appears or stops counting).
COUNTING_EVENTS = {TicketEvent.Kind.CREATED, TicketEvent.Kind.MERGED, TicketEvent.Kind.SPAM}


def _refresh_tickets(events: list[tuple]) -> int:
    """Rebuild the tickets of `events` (id, ticket_id, kind, after) and what depends on them."""
    tickets, whole_customers, merges = set(), set(), False
    for _, ticket_id, kind, after in events:
        tickets.add(ticket_id)
        if kind in COUNTING_EVENTS:
            whole_customers.add(ticket_id)
        if kind == TicketEvent.Kind.MERGED and isinstance(after, int):
            tickets.add(after)
            whole_customers.add(after)
            merges = True
    ticket_tables.scope_clear()
    ticket_tables.scope_add_ids(tickets)
    return _rebuild_scope(merges=merges, customers_of=whole_customers)


def _rebuild_scope(*, merges: bool = True, customers_of: set[int] | None = None) -> int:
    """Rebuild the tickets in the scope and what depends on them; empties the scope."""
    ensure_calendar()
    with batched():
        ticket_tables.scope_expand(merges=merges, customers_of=customers_of)
        ticket_tables.rebuild_roots(full=False, merges=merges)
        rollups.subtract_scope()
        ticket_tables.rebuild_reply_days(full=False)
        ticket_tables.rebuild_facts(full=False)
        rollups.add_scope()
        churn_risk_refresh(scope=True)
        return empty_counting("kpis_workticket")


def _rebuild_customer_scope() -> int:
    ensure_calendar()
    with batched():
        customer_tables.subtract_scope()
        customer_tables.rebuild_stage_spans(full=False)
        customer_tables.add_scope()
        return empty_counting("kpis_workcustomer")


def kpis_recompute(*, date_from: date | None = None, date_to: date | None = None) -> CatchUp:
    """Rebuild from the raw rows: everything, or the tickets created or changed in [from, to]."""
    if date_from is None and date_to is None and _can_build_aside():
        return _recompute_all_aside()
    return _recompute_in_transaction(date_from=date_from, date_to=date_to)


def _can_build_aside() -> bool:
    """Whether the full recompute can build on other connections (kpis.pipeline.shadow): on
    PostgreSQL, and not inside a caller's transaction, whose rows the others would not see."""
    return is_postgres() and not connection.in_atomic_block


@transaction.atomic
def _recompute_in_transaction(*, date_from: date | None, date_to: date | None) -> CatchUp:
    cursors = _lock_cursors()
    for stream, model in STREAMS.items():
        _restart_cursor(cursors[stream], model)
    _bump_version()
    if date_from is None and date_to is None:
        return _recompute_all()
    with own_plans():
        return _recompute_range(date_from, date_to)


def _recompute_range(date_from: date | None, date_to: date | None) -> CatchUp:
    lo = us(day_start(date_from)) if date_from else None
    hi = us(day_start(date_to + timedelta(days=1))) if date_to else None
    ticket_tables.scope_clear()
    created, occurred = _range_sql("t.created_at", lo, hi), _range_sql("e.occurred_at", lo, hi)
    ticket_tables.scope_add(f"SELECT t.id AS id FROM tickets_ticket t WHERE {created[0]}", created[1])
    ticket_tables.scope_add(
        f"SELECT e.ticket_id AS id FROM tickets_ticketevent e WHERE {occurred[0]}", occurred[1]
    )
    tickets = _rebuild_scope()
    customer_tables.scope_clear()
    moved = _range_sql("occurred_at", lo, hi)
    customer_tables.scope_add(
        f"SELECT customer_id AS id FROM lifecycle_stagechange WHERE {moved[0]}",
        moved[1],
    )
    customers = _rebuild_customer_scope()
    return CatchUp(tickets=tickets, customers=customers)


def _range_sql(column: str, lo: int | None, hi: int | None) -> tuple[str, list]:
    from .dialect import to_us

    parts, params = ["1 = 1"], []
    if lo is not None:
        parts.append(f"{to_us(column)} >= %s")
        params.append(lo)
    if hi is not None:
        parts.append(f"{to_us(column)} < %s")
        params.append(hi)
    return " AND ".join(parts), params


def _restart_cursor(cursor: KpiCursor, model) -> None:
    """Everything up to the newest id is about to be recomputed; remember recent gaps."""
    _set_restart(cursor, _restart_point(model))


def _restart_point(model) -> tuple[int, dict[str, str]]:
    """The newest id committed now, and the recent ids below it not committed yet (gaps)."""
    last = model.objects.aggregate(m=Max("pk"))["m"] or 0
    recent = set(model.objects.filter(pk__gt=last - 10_000).values_list("pk", flat=True))
    missing = (pk for pk in range(max(1, last - 10_000), last) if pk not in recent)
    runs = gaps.from_ids(missing, timezone.now().isoformat())
    return last, gaps.dump(gaps.keep(runs, cutoff=None, limit=MAX_GAPS))


def _set_restart(cursor: KpiCursor, point: tuple[int, dict[str, str]]) -> None:
    cursor.last_id, cursor.gaps = point
    cursor.updated_at = cursor.recomputed_at = timezone.now()
    cursor.save()


class _Steps:
    """How long each step of a long run took, for the log."""

    def __init__(self):
        self.last, self.times = time.monotonic(), []

    def done(self, name: str) -> None:
        now = time.monotonic()
        self.times.append(f"{name} {now - self.last:.1f}s")
        self.last = now

    def __str__(self) -> str:
        return ", ".join(self.times)


# Every table the pipeline derives, emptied and bulk-loaded by a full recompute.
DERIVED_TABLES = [
    "kpis_ticketroot",
    "kpis_ticketreplyday",
    "kpis_ticketfact",
    "kpis_unsolvedspan",
    "kpis_stagespan",
    "kpis_stagerollup",
    *rollups.TABLES,
]


def _recompute_all() -> CatchUp:
    """Empty and bulk-load every derived table (indexes are built once, after the load)."""
    started = time.monotonic()
    steps = _Steps()
    bulk_session()
    ensure_calendar()
    empty(DERIVED_TABLES)
    indexes = drop_secondary_indexes(DERIVED_TABLES)
    steps.done("emptied")
    ticket_tables.rebuild_roots(full=True)
    ticket_tables.rebuild_reply_days(full=True)
    steps.done("roots and replies")
    ticket_tables.rebuild_facts(full=True)
    steps.done("facts")
    customer_tables.rebuild_stage_spans(full=True)
    customer_tables.build_stage_rollup()
    steps.done("stage spans")
    rollups.build_all()
    steps.done("rollups")
    create_indexes(indexes)
    analyze(DERIVED_TABLES)
    steps.done("indexes")
    churn_risk_refresh(scope=False)
    steps.done("churn risk")
    ((tickets,),) = fetch("SELECT COUNT(*) FROM tickets_ticket")
    ((customers,),) = fetch("SELECT COUNT(DISTINCT customer_id) FROM lifecycle_stagechange")
    logger.info(
        "KPI full recompute: %s tickets, %s customers in %.1fs (%s)",
        tickets,
        customers,
        time.monotonic() - started,
        steps,
    )
    return CatchUp(tickets=tickets, customers=customers)


def _recompute_all_aside() -> CatchUp:
    """The full recompute built in a side schema on two connections, swapped in at the end.

    The cursors restart where the committed rows ended before the build began: every job
    reads at least those rows, and whatever is committed later (a catch-up may process it
    into the old tables meanwhile) is processed again, into the new tables, after the swap.
    """
    started = time.monotonic()
    home = shadow.home_schema()
    with _build_lock():
        restart = {stream: _restart_point(model) for stream, model in STREAMS.items()}
        indexes = shadow.indexes(DERIVED_TABLES)
        try:
            shadow.create_tables(DERIVED_TABLES, home)
        except DatabaseError as exc:  # such as no right to create a schema
            logger.warning("KPI full recompute: cannot build aside (%s); rebuilding in place", exc)
            return _recompute_in_transaction(date_from=None, date_to=None)
        try:
            jobs = shadow.full_build_jobs(indexes, home, churn_risk=partial(churn_risk_refresh, scope=False))
            times = shadow.run_jobs(jobs, home)
            swapping = time.monotonic()
            with transaction.atomic():
                cursors = _lock_cursors()
                for stream, point in restart.items():
                    _set_restart(cursors[stream], point)
                shadow.swap(DERIVED_TABLES, home, indexes)
                _bump_version()
        except BaseException:
            shadow.drop()
            raise
    ((tickets,),) = fetch("SELECT COUNT(*) FROM tickets_ticket")
    ((customers,),) = fetch("SELECT COUNT(DISTINCT customer_id) FROM lifecycle_stagechange")
    logger.info(
        "KPI full recompute: %s tickets, %s customers in %.1fs (built in %.1fs on %s connections,"
        " swapped in %.2fs; jobs: %s)",
        tickets,
        customers,
        time.monotonic() - started,
        swapping - started,
        shadow.workers(),
        time.monotonic() - swapping,
        ", ".join(f"{name} {seconds:.1f}s" for name, seconds in times.items()),
    )
    return CatchUp(tickets=tickets, customers=customers, vacuumed=True)


@contextmanager
def _build_lock():
    """One full build at a time (they share the side schema); a second waits for the first."""
    run("SELECT pg_advisory_lock(hashtext('kpis_build'))")
    try:
        yield
    finally:
        run("SELECT pg_advisory_unlock(hashtext('kpis_build'))")


def kpis_vacuum() -> None:
    """After a full recompute (outside its transaction): mark the new rows all-visible, so that
    the dashboard's index-only scans need not visit the tables (PostgreSQL; autovacuum would
    get there later)."""
    if is_postgres() and not connection.in_atomic_block:
        run(f"VACUUM (ANALYZE) {', '.join(DERIVED_TABLES)}")


# ---- churn risk ----------------------------------------------------------------------------------

RISK_WINDOW = timedelta(days=90)
LONG_RESOLUTION = timedelta(days=3)
# Weight of each signal in the last 90 days; the score is capped at 1.
RISK_WEIGHTS = {
    "low_ratings": (0.35, "{n} low satisfaction rating(s)"),
    "repeats": (0.15, "{n} repeat contact(s)"),
    "reopened": (0.15, "{n} reopened ticket(s)"),
    "slow": (0.1, "{n} ticket(s) that took over 3 days"),
    "complaints": (0.2, "{n} complaint(s)"),
}


def churn_risk_refresh(*, scope: bool) -> int:
    """Score the customers of the scoped tickets (or all) and hand changed scores to lifecycle."""
    since = us(timezone.now() - RISK_WINDOW)
    where = (
        f"customer_id IN (SELECT customer_id FROM kpis_ticketfact WHERE ticket_id IN {SCOPE})"
        if scope
        else "1 = 1"
    )
    counts = (
        "SELECT customer_id,"
        " SUM(CASE WHEN rating_score <= 2 AND rating_us >= %s THEN 1 ELSE 0 END) AS low_ratings,"
        " SUM(CASE WHEN repeat_contact AND created_us >= %s THEN 1 ELSE 0 END) AS repeats,"
        " SUM(CASE WHEN reopened AND solved_us >= %s THEN 1 ELSE 0 END) AS reopened,"
        " SUM(CASE WHEN solved_us >= %s AND solved_us - created_us > %s THEN 1 ELSE 0 END) AS slow,"
        " SUM(CASE WHEN type = 'complaint' AND created_us >= %s THEN 1 ELSE 0 END) AS complaints"
        f" FROM kpis_ticketfact WHERE NOT is_merged AND {where} GROUP BY customer_id"
    )
    slow = int(LONG_RESOLUTION.total_seconds()) * 1_000_000
    # The stored scores come with the counts (one round trip for the incremental run).
    rows = fetch(
        "SELECT c.customer_id, c.low_ratings, c.repeats, c.reopened, c.slow, c.complaints, r.score, r.reasons"
        f" FROM ({counts}) c LEFT JOIN kpis_customerrisk r ON r.customer_id = c.customer_id",
        [since, since, since, since, slow, since],
    )
    scores = {row[0]: _score(row[1:6]) for row in rows}
    if scope:
        previous = {row[0]: (row[6], _json(row[7])) for row in rows if row[6] is not None}
    else:
        previous = {r.customer_id: (r.score, r.reasons) for r in CustomerRisk.objects.all()}
        # Customers with no signal left at all go back to zero.
        for customer_id in previous:
            scores.setdefault(customer_id, (0.0, []))
    changed = {pk: v for pk, v in scores.items() if previous.get(pk, (0.0, [])) != v}
    if changed:
        _store_risk(changed)
    return len(changed)


def _json(value):
    """A JSON column read with a raw cursor: text on both backends (Django decodes in fields)."""
    return json.loads(value) if isinstance(value, str) else value


def _score(counts) -> tuple[float, list[str]]:
    score, reasons = 0.0, []
    for (weight, text), n in zip(RISK_WEIGHTS.values(), counts, strict=True):
        if n:
            score += weight * int(n)
            reasons.append(text.format(n=int(n)))
    return round(min(score, 1.0), 4), reasons


def _store_risk(changed: dict[int, tuple[float, list[str]]]) -> None:
    customers_set_churn_risk(scores=changed)  # set-based: a full run changes most customers at once
    CustomerRisk.objects.filter(customer_id__in=list(changed)).delete()
    CustomerRisk.objects.bulk_create(
        [CustomerRisk(customer_id=pk, score=s, reasons=r) for pk, (s, r) in changed.items() if s or r]
    )


def kpis_refresh_if_eager() -> None:
    """With no worker (eager tasks, the embedded default), catch up before reading."""
    from celery import current_app

    if current_app.conf.task_always_eager:
        while True:
            result = kpis_catch_up()
            if result.events < BATCH and result.stage_changes < BATCH:
                return


def kpis_export_record(
    *, by, table: str, query: dict, metric: str = "", rows: int, ip_address: str | None = None
) -> None:
    """Audit one CSV export: who took which table, for which range and filters, and how many rows."""
    details = {
        "table": table,
        "from": query["date_from"].isoformat(),
        "to": query["date_to"].isoformat(),
        "filters": query["filters"],
        "rows": rows,
    }
    if table == "drill":
        details.update(metric=metric, part=query.get("part", ""), day=query.get("day", ""))
    audit_record(
        action=AuditEntry.Action.EXPORT,
        actor=by,
        target_repr=f"KPI table {table} (CSV)",
        details=details,
        ip_address=ip_address,
    )


def last_updated() -> datetime | None:
    return KpiCursor.objects.filter(stream=TICKET_STREAM).values_list("updated_at", flat=True).first()


__all__ = [
    "CatchUp",
    "kpis_catch_up",
    "kpis_export_record",
    "kpis_recompute",
    "kpis_refresh_if_eager",
    "kpis_vacuum",
    "last_updated",
]
