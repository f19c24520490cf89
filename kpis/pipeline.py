"""Set-based rebuilding of the KPI tables from the raw rows (see kpis/models.py).

`rebuild_tickets()` and `rebuild_customers()` recompute every row of the scratch scope
(`WorkTicket` / `WorkCustomer`) with a handful of INSERT … SELECT / UPDATE … FROM statements;
`kpis.services` decides what goes into the scope (everything, a date range, or what new log
rows touched) and holds the cursor lock while it runs.
"""

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from lifecycle.models import StageChange
from tickets.models import Message, SatisfactionRating, Ticket, TicketEvent

from .dialect import greatest, is_postgres, json_int, local_day, status_of_event, to_us, us
from .models import CalendarDay

UNSOLVED_SQL = "('new', 'open', 'pending', 'on_hold')"
SOLVED_SQL = "('solved', 'closed')"
PAYING_SQL = "('conversion', 'retention', 'loyalty')"
W = "(SELECT ticket_id FROM kpis_workticket)"
WC = "(SELECT customer_id FROM kpis_workcustomer)"
MAX_MERGE_DEPTH = 32
STAGE_RANK_SQL = (
    "CASE {col} WHEN 'reach' THEN 0 WHEN 'acquisition' THEN 1 WHEN 'conversion' THEN 2"
    " WHEN 'retention' THEN 3 WHEN 'loyalty' THEN 4 END"
)


def run(sql: str, params: list | tuple = ()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.rowcount


def repeat_window_us() -> int:
    return int(timedelta(days=getattr(settings, "KPI_REPEAT_CONTACT_DAYS", 7)).total_seconds()) * 1_000_000


# ---- the calendar (SQLite only: PostgreSQL converts time zones itself) ---------------------------


def ensure_calendar() -> None:
    """Make sure CalendarDay covers every instant the raw data holds, plus today."""
    if is_postgres():
        return
    from django.db.models import Max, Min

    bounds = [timezone.now()]
    for model, field in (
        (Ticket, "created_at"),
        (TicketEvent, "occurred_at"),
        (Message, "created_at"),
        (SatisfactionRating, "created_at"),
        (StageChange, "occurred_at"),
        (Ticket, "first_response_due_at"),
        (Ticket, "resolution_due_at"),
    ):
        agg = model.objects.aggregate(lo=Min(field), hi=Max(field))
        bounds += [v for v in agg.values() if v is not None]
    calendar_extend(min(bounds), max(bounds))


def calendar_extend(lo, hi) -> None:
    from zoneinfo import ZoneInfo

    from .dialect import day_start

    tz = ZoneInfo(settings.TIME_ZONE)
    first, last = lo.astimezone(tz).date() - timedelta(days=2), hi.astimezone(tz).date() + timedelta(days=2)
    have = CalendarDay.objects.filter(day__gte=first, day__lte=last).count()
    if have == (last - first).days + 1:
        return
    existing = set(CalendarDay.objects.filter(day__gte=first, day__lte=last).values_list("day", flat=True))
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    CalendarDay.objects.bulk_create(
        [CalendarDay(day=d, start_us=us(day_start(d))) for d in days if d not in existing],
        ignore_conflicts=True,
    )


# ---- tickets -------------------------------------------------------------------------------------


def scope_all_tickets() -> None:
    run("DELETE FROM kpis_workticket")
    run("INSERT INTO kpis_workticket (ticket_id) SELECT id FROM tickets_ticket")


def scope_add(select_ids_sql: str, params: list | tuple = ()) -> None:
    """Add the ticket ids `select_ids_sql` yields to the scope (once each)."""
    run(
        f"INSERT INTO kpis_workticket (ticket_id) SELECT DISTINCT x.id FROM ({select_ids_sql}) x"
        " WHERE x.id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM kpis_workticket w WHERE w.ticket_id = x.id)",
        params,
    )


def merged_target_sql() -> str:
    """The target ticket id of a MERGED event `e` (its `after`)."""
    return json_int("e.after")


def scope_expand() -> None:
    """Add what a change to the scope's tickets also changes.

    The merge relatives (earlier children and roots: a message on a merged ticket counts for its
    survivor), and every ticket of the same customers (the repeat-contact flag looks at them).
    """
    scope_add(f"SELECT ticket_id AS id FROM kpis_ticketroot WHERE root_id IN {W}")
    scope_add(f"SELECT root_id AS id FROM kpis_ticketroot WHERE ticket_id IN {W}")
    rebuild_roots()
    scope_add(f"SELECT root_id AS id FROM kpis_ticketroot WHERE ticket_id IN {W}")
    scope_add(
        "SELECT t.id AS id FROM tickets_ticket t WHERE t.customer_id IN ("
        f"SELECT customer_id FROM tickets_ticket WHERE id IN {W}"
        f" UNION SELECT customer_id FROM kpis_ticketfact WHERE ticket_id IN {W})"
    )


def rebuild_roots() -> None:
    run(f"DELETE FROM kpis_ticketroot WHERE ticket_id IN {W}")
    run(
        "INSERT INTO kpis_ticketroot (ticket_id, root_id)"
        f" SELECT id, COALESCE(merged_into_id, id) FROM tickets_ticket WHERE id IN {W}"
    )
    for _ in range(MAX_MERGE_DEPTH):
        changed = run(
            "UPDATE kpis_ticketroot SET root_id = (SELECT t.merged_into_id FROM tickets_ticket t"
            " WHERE t.id = kpis_ticketroot.root_id)"
            f" WHERE ticket_id IN {W} AND EXISTS (SELECT 1 FROM tickets_ticket t"
            " WHERE t.id = kpis_ticketroot.root_id AND t.merged_into_id IS NOT NULL"
            " AND t.merged_into_id <> t.id)"
        )
        if not changed:
            break


def analyze_scratch() -> None:
    """After a run that filled the scratch tables with everything, let the planner know they are small."""
    if is_postgres():
        run("ANALYZE kpis_workticket, kpis_workstatus, kpis_workcustomer")


def analyze_results() -> None:
    """After a full recompute the result tables are new: fresh statistics keep the dashboard's plans right."""
    if is_postgres():
        run("ANALYZE kpis_ticketroot, kpis_ticketfact, kpis_unsolvedspan, kpis_stagespan")


def rebuild_tickets() -> None:
    """Recompute the roots, facts and unsolved spans of every ticket in the scope."""
    ensure_calendar()
    rebuild_roots()
    run(f"DELETE FROM kpis_ticketfact WHERE ticket_id IN {W}")
    run(f"DELETE FROM kpis_unsolvedspan WHERE ticket_id IN {W}")
    _insert_facts()
    _status_history()
    _replies()
    _ratings()
    _repeat_contacts()
    run("DELETE FROM kpis_workstatus")


def _insert_facts() -> None:
    created = to_us("t.created_at")
    run(
        "INSERT INTO kpis_ticketfact (ticket_id, customer_id, is_merged, inbound, team_id, channel,"
        " assignee_id, priority, type, stage, created_us, created_day, status, is_solved, public_replies,"
        " reopened, first_response_due_us, resolution_due_us, repeat_contact)"
        f" SELECT t.id, t.customer_id, r.root_id <> t.id, t.direction = 'inbound', t.team_id, t.channel,"
        f" t.assignee_id, t.priority, t.type, t.customer_stage_at_open, {created}, {local_day(created)},"
        f" 'new', FALSE, 0, FALSE, {to_us('t.first_response_due_at')}, {to_us('t.resolution_due_at')}, FALSE"
        f" FROM tickets_ticket t JOIN kpis_ticketroot r ON r.ticket_id = t.id"
        f" WHERE t.id IN {W} AND NOT t.is_spam"
    )


def _status_history() -> None:
    """Replay CREATED/STATUS events in (time, id) order after an implicit `new` at creation."""
    run("DELETE FROM kpis_workstatus")
    at = greatest(to_us("e.occurred_at"), "f.created_us")
    run(
        "INSERT INTO kpis_workstatus (ticket_id, at_us, event_id, status, prev_status, next_us, is_last)"
        " SELECT ticket_id, at_us, eid, status, LAG(status) OVER w, LEAD(at_us) OVER w,"
        " CASE WHEN LEAD(eid) OVER w IS NULL THEN TRUE ELSE FALSE END"
        " FROM (SELECT f.ticket_id, f.created_us AS at_us, 0 AS eid, 'new' AS status"
        f" FROM kpis_ticketfact f WHERE f.ticket_id IN {W}"
        f" UNION ALL SELECT e.ticket_id, {at}, e.id, {status_of_event('e')}"
        " FROM tickets_ticketevent e JOIN kpis_ticketfact f ON f.ticket_id = e.ticket_id"
        f" WHERE e.kind IN ('created', 'status') AND e.ticket_id IN {W}) s"
        " WINDOW w AS (PARTITION BY ticket_id ORDER BY at_us, eid)"
    )
    run(
        "UPDATE kpis_ticketfact SET status = w.status FROM kpis_workstatus w"
        " WHERE w.ticket_id = kpis_ticketfact.ticket_id AND w.is_last"
    )
    run(
        "UPDATE kpis_ticketfact SET solved_us = a.solved_us, reopened = (a.reopened = 1)"
        " FROM (SELECT ticket_id,"
        f" MAX(CASE WHEN prev_status IN {UNSOLVED_SQL} AND status IN {SOLVED_SQL}"
        " THEN at_us END) AS solved_us,"
        f" MAX(CASE WHEN prev_status IN {SOLVED_SQL} AND status IN {UNSOLVED_SQL}"
        " THEN 1 ELSE 0 END) AS reopened"
        " FROM kpis_workstatus GROUP BY ticket_id) a WHERE a.ticket_id = kpis_ticketfact.ticket_id"
    )
    run(
        f"UPDATE kpis_ticketfact SET is_solved = (status IN {SOLVED_SQL}),"
        f" solved_us = CASE WHEN status IN {SOLVED_SQL} THEN solved_us END WHERE ticket_id IN {W}"
    )
    run(
        f"UPDATE kpis_ticketfact SET solved_day = {local_day('solved_us')}"
        f" WHERE ticket_id IN {W} AND solved_us IS NOT NULL"
    )
    run(
        "INSERT INTO kpis_unsolvedspan (ticket_id, start_us, end_us, start_day, end_day)"
        f" SELECT w.ticket_id, w.at_us, w.next_us, {local_day('w.at_us')}, {local_day('w.next_us')}"
        " FROM kpis_workstatus w JOIN kpis_ticketfact f ON f.ticket_id = w.ticket_id"
        f" WHERE w.status IN {UNSOLVED_SQL} AND NOT f.is_merged"
        " AND (w.next_us IS NULL OR w.next_us > w.at_us)"
    )


def _replies() -> None:
    """Public agent replies of the ticket and of every non-spam ticket merged into it."""
    run(
        f"UPDATE kpis_ticketfact SET first_reply_us = {greatest('a.first_us', 'kpis_ticketfact.created_us')},"
        " public_replies = a.n"
        f" FROM (SELECT r.root_id AS ticket_id, MIN({to_us('m.created_at')}) AS first_us, COUNT(*) AS n"
        " FROM tickets_message m JOIN kpis_ticketroot r ON r.ticket_id = m.ticket_id"
        " JOIN tickets_ticket t ON t.id = m.ticket_id"
        f" WHERE m.kind = 'public' AND m.sender = 'agent' AND NOT t.is_spam AND r.root_id IN {W}"
        " GROUP BY r.root_id) a"
        " WHERE a.ticket_id = kpis_ticketfact.ticket_id AND NOT kpis_ticketfact.is_merged"
    )


def _ratings() -> None:
    rated = to_us("s.created_at")
    run(
        f"UPDATE kpis_ticketfact SET rating_score = s.score, rating_us = {rated},"
        f" rating_day = {local_day(rated)} FROM tickets_satisfactionrating s"
        f" WHERE s.ticket_id = kpis_ticketfact.ticket_id AND kpis_ticketfact.ticket_id IN {W}"
        " AND NOT kpis_ticketfact.is_merged"
    )


def _repeat_contacts() -> None:
    run(
        "UPDATE kpis_ticketfact SET repeat_contact = TRUE"
        f" WHERE ticket_id IN {W} AND inbound AND NOT is_merged AND EXISTS (SELECT 1 FROM kpis_ticketfact g"
        " WHERE g.customer_id = kpis_ticketfact.customer_id AND g.inbound AND NOT g.is_merged"
        " AND g.created_us >= kpis_ticketfact.created_us - %s AND g.created_us < kpis_ticketfact.created_us)",
        [repeat_window_us()],
    )


# ---- customers -----------------------------------------------------------------------------------


def scope_all_customers() -> None:
    run("DELETE FROM kpis_workcustomer")
    run("INSERT INTO kpis_workcustomer (customer_id) SELECT DISTINCT customer_id FROM lifecycle_stagechange")


def scope_add_customers(select_ids_sql: str, params: list | tuple = ()) -> None:
    run(
        f"INSERT INTO kpis_workcustomer (customer_id) SELECT DISTINCT x.id FROM ({select_ids_sql}) x"
        " WHERE x.id IS NOT NULL"
        " AND NOT EXISTS (SELECT 1 FROM kpis_workcustomer w WHERE w.customer_id = x.id)",
        params,
    )


def rebuild_customers() -> None:
    """Recompute the stage spans of every customer in the scope from their live stage history."""
    ensure_calendar()
    run(f"DELETE FROM kpis_stagespan WHERE customer_id IN {WC}")
    changes = (
        f"SELECT customer_id, id, from_stage, to_stage, {to_us('occurred_at')} AS at_us"
        f" FROM lifecycle_stagechange WHERE superseded_at IS NULL AND customer_id IN {WC}"
    )
    columns = "(customer_id, stage, stage_rank, change_id, start_us, end_us, start_day, end_day)"
    run(
        f"INSERT INTO kpis_stagespan {columns}"
        f" SELECT customer_id, from_stage, {STAGE_RANK_SQL.format(col='from_stage')}, NULL, NULL, at_us,"
        f" NULL, {local_day('at_us')}"
        " FROM (SELECT c.*, ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY at_us, id) AS rn"
        f" FROM ({changes}) c) x WHERE rn = 1 AND from_stage IS NOT NULL"
    )
    run(
        f"INSERT INTO kpis_stagespan {columns}"
        f" SELECT customer_id, to_stage, {STAGE_RANK_SQL.format(col='to_stage')}, id, at_us, next_us,"
        f" {local_day('at_us')}, {local_day('next_us')}"
        " FROM (SELECT c.*, LEAD(at_us) OVER (PARTITION BY customer_id ORDER BY at_us, id) AS next_us"
        f" FROM ({changes}) c) x"
    )
