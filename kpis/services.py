"""Keeping the KPI tables current: incremental catch-up, ranged and full recompute, churn risk.

Every entry point locks the cursor rows first (SELECT … FOR UPDATE; SQLite serialises writers
anyway), so two workers running at once do the work once and the second finds nothing new.
All of them are idempotent: running one again recomputes the same rows to the same values.
"""

import logging
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from lifecycle.models import Customer, StageChange
from lifecycle.services import customer_set_churn_risk
from tickets.models import TicketEvent

from . import pipeline
from .dialect import day_start, us
from .models import CustomerRisk, KpiCursor
from .pipeline import W, run

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


def _lock_cursors() -> dict[str, KpiCursor]:
    for stream in STREAMS:
        KpiCursor.objects.get_or_create(stream=stream)
    return {c.stream: c for c in KpiCursor.objects.select_for_update().order_by("stream")}


def _new_ids(cursor: KpiCursor, model) -> list[int]:
    """Ids past the cursor (one batch) and remembered gaps that have appeared since."""
    ids = list(
        model.objects.filter(pk__gt=cursor.last_id).order_by("pk").values_list("pk", flat=True)[:BATCH]
    )
    gaps = {int(k): v for k, v in (cursor.gaps or {}).items()}
    found = list(model.objects.filter(pk__in=list(gaps)).values_list("pk", flat=True)) if gaps else []
    now = timezone.now()
    for pk in found:
        gaps.pop(pk, None)
    if ids:
        present = set(ids)
        stamp = now.isoformat()
        # Ids below the first one a fresh cursor sees were never passed; look back a bounded way.
        start = max(ids[0] if cursor.last_id == 0 else cursor.last_id + 1, ids[-1] - GAP_LOOKBACK)
        for pk in range(start, ids[-1]):
            if pk not in present:
                gaps[pk] = stamp
        cursor.last_id = ids[-1]
    cutoff = now - GAP_TTL
    live = sorted((pk for pk, at in gaps.items() if datetime.fromisoformat(at) > cutoff), reverse=True)
    cursor.gaps = {str(pk): gaps[pk] for pk in live[:MAX_GAPS]}
    cursor.updated_at = now
    cursor.save()
    return ids + found


@transaction.atomic
def kpis_catch_up() -> CatchUp:
    """Process the ticket events and stage changes recorded since the cursors (one batch each)."""
    cursors = _lock_cursors()
    result = CatchUp()
    event_ids = _new_ids(cursors[TICKET_STREAM], TicketEvent)
    change_ids = _new_ids(cursors[STAGE_STREAM], StageChange)
    result.events, result.stage_changes = len(event_ids), len(change_ids)
    if event_ids:
        result.tickets = _refresh_tickets(event_ids)
    if change_ids:
        run("DELETE FROM kpis_workcustomer")
        for chunk in _chunks(change_ids):
            marks = ",".join(["%s"] * len(chunk))
            pipeline.scope_add_customers(
                f"SELECT customer_id AS id FROM lifecycle_stagechange WHERE id IN ({marks})",
                chunk,
            )
        pipeline.rebuild_customers()
        result.customers = run("DELETE FROM kpis_workcustomer")
    return result


def _chunks(ids: list[int], size: int = 500):
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def _refresh_tickets(event_ids: list[int]) -> int:
    run("DELETE FROM kpis_workticket")
    for chunk in _chunks(event_ids):
        marks = ",".join(["%s"] * len(chunk))
        pipeline.scope_add(f"SELECT ticket_id AS id FROM tickets_ticketevent WHERE id IN ({marks})", chunk)
        pipeline.scope_add(
            f"SELECT {pipeline.merged_target_sql()} AS id FROM tickets_ticketevent e"
            f" WHERE e.id IN ({marks}) AND e.kind = 'merged'",
            chunk,
        )
    return _rebuild_scope()


def _rebuild_scope() -> int:
    pipeline.scope_expand()
    pipeline.rebuild_tickets()
    churn_risk_refresh(scope=True)
    return run("DELETE FROM kpis_workticket")


@transaction.atomic
def kpis_recompute(*, date_from: date | None = None, date_to: date | None = None) -> CatchUp:
    """Rebuild from the raw rows: everything, or the tickets created or changed in [from, to]."""
    cursors = _lock_cursors()
    for stream, model in STREAMS.items():
        _restart_cursor(cursors[stream], model)
    if date_from is None and date_to is None:
        return _recompute_all()
    lo = us(day_start(date_from)) if date_from else None
    hi = us(day_start(date_to + timedelta(days=1))) if date_to else None
    run("DELETE FROM kpis_workticket")
    created, occurred = _range_sql("t.created_at", lo, hi), _range_sql("e.occurred_at", lo, hi)
    pipeline.scope_add(f"SELECT t.id AS id FROM tickets_ticket t WHERE {created[0]}", created[1])
    pipeline.scope_add(
        f"SELECT e.ticket_id AS id FROM tickets_ticketevent e WHERE {occurred[0]}", occurred[1]
    )
    tickets = _rebuild_scope()
    run("DELETE FROM kpis_workcustomer")
    moved = _range_sql("occurred_at", lo, hi)
    pipeline.scope_add_customers(
        f"SELECT customer_id AS id FROM lifecycle_stagechange WHERE {moved[0]}",
        moved[1],
    )
    pipeline.rebuild_customers()
    customers = run("DELETE FROM kpis_workcustomer")
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
    last = model.objects.aggregate(m=Max("pk"))["m"] or 0
    recent = set(model.objects.filter(pk__gt=last - 10_000).values_list("pk", flat=True))
    stamp = timezone.now().isoformat()
    gaps = {str(pk): stamp for pk in range(max(1, last - 10_000), last) if pk not in recent}
    cursor.last_id, cursor.gaps = last, dict(list(gaps.items())[-MAX_GAPS:])
    cursor.updated_at = cursor.recomputed_at = timezone.now()
    cursor.save()


def _recompute_all() -> CatchUp:
    started = time.monotonic()
    for table in ("kpis_ticketroot", "kpis_ticketfact", "kpis_unsolvedspan", "kpis_stagespan"):
        run(f"DELETE FROM {table}")
    pipeline.scope_all_tickets()
    pipeline.rebuild_tickets()
    churn_risk_refresh(scope=False)
    tickets = run("DELETE FROM kpis_workticket")
    pipeline.scope_all_customers()
    pipeline.rebuild_customers()
    customers = run("DELETE FROM kpis_workcustomer")
    pipeline.analyze_scratch()
    pipeline.analyze_results()
    logger.info(
        "KPI full recompute: %s tickets, %s customers in %.1fs",
        tickets,
        customers,
        time.monotonic() - started,
    )
    return CatchUp(tickets=tickets, customers=customers)


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
        f"customer_id IN (SELECT customer_id FROM kpis_ticketfact WHERE ticket_id IN {W})"
        if scope
        else "1 = 1"
    )
    sql = (
        "SELECT customer_id,"
        " SUM(CASE WHEN rating_score <= 2 AND rating_us >= %s THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN repeat_contact AND created_us >= %s THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN reopened AND solved_us >= %s THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN solved_us >= %s AND solved_us - created_us > %s THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN type = 'complaint' AND created_us >= %s THEN 1 ELSE 0 END)"
        f" FROM kpis_ticketfact WHERE NOT is_merged AND {where} GROUP BY customer_id"
    )
    slow = int(LONG_RESOLUTION.total_seconds()) * 1_000_000
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, [since, since, since, since, slow, since])
        counts = cursor.fetchall()
    scores = {row[0]: _score(row[1:]) for row in counts}
    known = CustomerRisk.objects.filter(customer_id__in=list(scores)) if scope else CustomerRisk.objects.all()
    previous = {r.customer_id: (r.score, r.reasons) for r in known}
    if not scope:
        # Customers with no signal left at all go back to zero.
        for customer_id in previous:
            scores.setdefault(customer_id, (0.0, []))
    changed = {pk: v for pk, v in scores.items() if previous.get(pk, (0.0, [])) != v}
    _store_risk(changed)
    return len(changed)


def _score(counts) -> tuple[float, list[str]]:
    score, reasons = 0.0, []
    for (weight, text), n in zip(RISK_WEIGHTS.values(), counts, strict=True):
        if n:
            score += weight * int(n)
            reasons.append(text.format(n=int(n)))
    return round(min(score, 1.0), 4), reasons


def _store_risk(changed: dict[int, tuple[float, list[str]]]) -> None:
    customers = Customer.objects.in_bulk(list(changed))
    for pk, (score, reasons) in changed.items():
        if pk in customers:
            customer_set_churn_risk(customer=customers[pk], score=score, reasons=reasons)
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


def last_updated() -> datetime | None:
    return KpiCursor.objects.filter(stream=TICKET_STREAM).values_list("updated_at", flat=True).first()


__all__ = ["CatchUp", "kpis_catch_up", "kpis_recompute", "kpis_refresh_if_eager", "last_updated"]
