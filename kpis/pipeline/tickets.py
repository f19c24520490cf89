"""The per-ticket KPI tables, rebuilt set-based for a scope of tickets or for all of them.

Each table is one INSERT … SELECT over the raw rows (a few on SQLite): the merge roots, the
public replies per ticket, day and author, and the facts together with the unsolved spans,
which share one window pass over the status events. `full=True` reads every ticket; otherwise
the scope is the ids in `kpis_workticket`, which the caller has filled and expanded.
"""

from datetime import timedelta

from django.conf import settings

from ..dialect import bucket, greatest, is_postgres, local_day, local_day_of, status_of_event, to_us
from .sql import SCOPE, in_scope, run

UNSOLVED_SQL = "('new', 'open', 'pending', 'on_hold')"
SOLVED_SQL = "('solved', 'closed')"
MAX_MERGE_DEPTH = 32
# FRT distribution on the dashboard: lower bounds in seconds.
FRT_BOUNDS = (0, 15 * 60, 3600, 4 * 3600, 86400)


Part = tuple[int, int] | None


def _of_part(part: Part, customer_column: str = "t.customer_id") -> str:
    """The tickets of part k of n (by customer: a customer's tickets depend on each other;
    PostgreSQL, `mod` rather than `%`, which the driver would read as a placeholder)."""
    return "1 = 1" if part is None else f"mod({customer_column}, {part[1]}) = {part[0]}"


def repeat_window_us() -> int:
    return int(timedelta(days=getattr(settings, "KPI_REPEAT_CONTACT_DAYS", 7)).total_seconds()) * 1_000_000


# ---- the scope -----------------------------------------------------------------------------------


def scope_clear() -> None:
    """Start with an empty scope: the last run emptied it already (empty_counting), so this
    DELETE normally finds nothing and leaves nothing for the planner to count."""
    run("DELETE FROM kpis_workticket")


def scope_add(select_ids_sql: str, params: list | tuple = ()) -> None:
    """Add the ticket ids `select_ids_sql` yields to the scope (once each)."""
    run(
        f"INSERT INTO kpis_workticket (ticket_id) SELECT DISTINCT x.id FROM ({select_ids_sql}) x"
        " WHERE x.id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM kpis_workticket w WHERE w.ticket_id = x.id)",
        params,
    )


def scope_add_ids(ids: set[int]) -> None:
    """Add these ticket ids (with run(), so that batched() sends it with the other statements)."""
    ordered = sorted(ids)
    for start in range(0, len(ordered), 400):
        chunk = ordered[start : start + 400]
        scope_add(" UNION ALL ".join(["SELECT %s AS id"] * len(chunk)), chunk)


def scope_expand(*, merges: bool, customers_of: set[int] | None = None) -> None:
    """Add what a change to the scope's tickets also changes.

    The survivors of merged tickets (a message on a merged ticket counts for its survivor); after
    merges, the whole merge families. And every ticket of the customers of `customers_of` (None:
    of the whole scope), whose repeat-contact flags a new, merged or spam ticket can change.
    """
    if merges:
        scope_add(f"SELECT ticket_id AS id FROM kpis_ticketroot WHERE root_id IN {SCOPE}")
        scope_add(f"SELECT root_id AS id FROM kpis_ticketroot WHERE ticket_id IN {SCOPE}")
        rebuild_roots(full=False)
    scope_add(f"SELECT root_id AS id FROM kpis_ticketroot WHERE ticket_id IN {SCOPE}")
    if customers_of is not None and not customers_of:
        return
    if customers_of is None:
        of, params = SCOPE, []
    else:
        of, params = f"({', '.join(['%s'] * len(customers_of))})", sorted(customers_of)
    scope_add(
        "SELECT t.id AS id FROM tickets_ticket t WHERE t.customer_id IN ("
        f"SELECT customer_id FROM tickets_ticket WHERE id IN {of}"
        f" UNION SELECT customer_id FROM kpis_ticketfact WHERE ticket_id IN {of})",
        params * 2,
    )


# ---- merge roots ---------------------------------------------------------------------------------


def rebuild_roots(*, full: bool, merges: bool = True) -> None:
    """The surviving ticket at the end of each ticket's merge chain (itself if not merged).

    Only a merge changes a root: with `merges=False` the new tickets of the scope get theirs.
    """
    merged = "t.merged_into_id IS NOT NULL AND t.merged_into_id <> t.id"
    if not merges:
        run(
            "INSERT INTO kpis_ticketroot (ticket_id, root_id) SELECT t.id, t.id FROM tickets_ticket t"
            f" WHERE t.id IN {SCOPE} AND NOT ({merged})"
            " AND NOT EXISTS (SELECT 1 FROM kpis_ticketroot r WHERE r.ticket_id = t.id)"
        )
        return
    if not full:
        run(f"DELETE FROM kpis_ticketroot WHERE ticket_id IN {SCOPE}")
    run(
        "INSERT INTO kpis_ticketroot (ticket_id, root_id) SELECT t.id, t.id FROM tickets_ticket t"
        f" WHERE {in_scope('t.id', full)} AND NOT ({merged})"
    )
    # Only merged tickets walk their chain (few); a chain ends at a ticket that is not merged.
    run(
        "WITH RECURSIVE chain (ticket_id, root_id, depth) AS ("
        f" SELECT t.id, t.merged_into_id, 1 FROM tickets_ticket t WHERE {in_scope('t.id', full)} AND {merged}"
        " UNION ALL SELECT c.ticket_id, t.merged_into_id, c.depth + 1 FROM chain c"
        f" JOIN tickets_ticket t ON t.id = c.root_id WHERE {merged} AND c.depth < %s)"
        " INSERT INTO kpis_ticketroot (ticket_id, root_id) SELECT c.ticket_id, c.root_id FROM chain c"
        " WHERE c.depth = %s"
        f" OR NOT EXISTS (SELECT 1 FROM tickets_ticket t WHERE t.id = c.root_id AND {merged})",
        [MAX_MERGE_DEPTH, MAX_MERGE_DEPTH],
    )


# ---- replies -------------------------------------------------------------------------------------


def rebuild_reply_days(*, full: bool, part: Part = None) -> None:
    """Public agent replies per counted ticket, local day and author (`part`: see rebuild_facts)."""
    if not full:
        run(f"DELETE FROM kpis_ticketreplyday WHERE ticket_id IN {SCOPE}")
    run(
        "INSERT INTO kpis_ticketreplyday (ticket_id, day, author_id, replies, first_us)"
        f" SELECT m.ticket_id, {local_day_of('m.created_at')} AS d, m.author_id, COUNT(*),"
        f" MIN({to_us('m.created_at')}) FROM tickets_message m JOIN tickets_ticket t ON t.id = m.ticket_id"
        " WHERE m.kind = 'public' AND m.sender = 'agent' AND NOT t.is_spam"
        f" AND {in_scope('m.ticket_id', full)} AND {_of_part(part)}"
        " GROUP BY m.ticket_id, d, m.author_id",
        prepare=not full,
    )


# ---- facts and unsolved spans --------------------------------------------------------------------


def _at(column: str) -> str:
    """An instant of the status history: the timestamp itself on PostgreSQL (cheaper to order and
    to compare than microseconds), microseconds on SQLite (whose timestamps are text)."""
    return column if is_postgres() else to_us(column)


def _at_us(at: str) -> str:
    return to_us(at) if is_postgres() else at


def _at_day(at: str) -> str:
    return local_day_of(at) if is_postgres() else local_day(at)


def _history(full: bool, part: Part = None) -> str:
    """Every status a ticket took, in (time, id) order after an implicit `new` at creation.

    Per row: its time `at` (see _at), the status before (`prev_st`) and the time of the next row
    (`next_at`, null on the last one).
    """
    # The creation time once per ticket, not once per event (OFFSET 0: PostgreSQL would inline it).
    fence = " OFFSET 0" if is_postgres() else ""
    tickets = (
        f"SELECT t.id, {_at('t.created_at')} AS created_at FROM tickets_ticket t"
        f" WHERE NOT t.is_spam AND {in_scope('t.id', full)} AND {_of_part(part)}{fence}"
    )
    return (
        "SELECT ticket_id, at, eid, st, LAG(st) OVER (w) AS prev_st, LEAD(at) OVER (w) AS next_at"
        f" FROM (SELECT t.id AS ticket_id, t.created_at AS at, 0 AS eid, 'new' AS st FROM ({tickets}) t"
        f" UNION ALL SELECT e.ticket_id, {greatest(_at('e.occurred_at'), 't.created_at')}, e.id,"
        f" {status_of_event('e')} FROM tickets_ticketevent e JOIN ({tickets}) t ON t.id = e.ticket_id"
        f" WHERE e.kind IN ('created', 'status') AND {in_scope('e.ticket_id', full)}) s"
        " WINDOW w AS (PARTITION BY ticket_id ORDER BY at, eid)"
    )


def _spans_insert(source: str) -> str:
    """One span per run of unsolved statuses of an unmerged ticket (empty runs cover nothing).

    Among the rows that start a run or are not unsolved, the row after a run's start is the
    end of that run.
    """
    unsolved = f"h.st IN {UNSOLVED_SQL}"
    starts = f"{unsolved} AND (h.prev_st IS NULL OR h.prev_st NOT IN {UNSOLVED_SQL})"
    bounds = (
        f"SELECT h.ticket_id, h.at, CASE WHEN {starts} THEN 1 ELSE 0 END AS starts,"
        " LEAD(h.at) OVER (PARTITION BY h.ticket_id ORDER BY h.at, h.eid) AS end_at"
        f" FROM {source} h WHERE ({starts}) OR NOT ({unsolved}) OR h.st IS NULL"
    )
    return (
        "INSERT INTO kpis_unsolvedspan (ticket_id, start_us, end_us, start_day, end_day)"
        f" SELECT b.ticket_id, {_at_us('b.at')}, {_at_us('b.end_at')},"
        f" {_at_day('b.at')}, {_at_day('b.end_at')}"
        f" FROM ({bounds}) b JOIN kpis_ticketroot r ON r.ticket_id = b.ticket_id AND r.root_id = b.ticket_id"
        " WHERE b.starts = 1 AND (b.end_at IS NULL OR b.end_at > b.at)"
    )


FACT_COLUMNS = (
    "ticket_id, customer_id, is_merged, inbound, team_id, channel, assignee_id, priority, type, stage,"
    " created_us, created_day, status, is_solved, first_reply_us, public_replies, solved_us, solved_day,"
    " reopened, first_response_due_us, resolution_due_us, repeat_contact, rating_score, rating_us,"
    " rating_day, frt_us, frt_bucket, resolution_us, resolution_bucket"
)


TICKET_COLUMNS = (
    "t.id, t.customer_id, t.team_id, t.channel, t.assignee_id, t.priority, t.type,"
    " t.customer_stage_at_open, t.first_response_due_at, t.resolution_due_at"
)


def _counted_tickets(where: str) -> str:
    """Counted tickets (`where`) with their root, creation time and direction."""
    return (
        f"SELECT {TICKET_COLUMNS}, r.root_id, {to_us('t.created_at')} AS created_us,"
        f" {local_day_of('t.created_at')} AS created_day,"
        " CASE WHEN t.direction = 'inbound' THEN 1 ELSE 0 END AS inbound_flag"
        " FROM tickets_ticket t JOIN kpis_ticketroot r ON r.ticket_id = t.id"
        f" WHERE NOT t.is_spam AND {where}"
    )


def _with_earlier_inbound(where: str) -> str:
    """Counted tickets with the creation time of their customer's latest earlier inbound ticket."""
    return (
        "SELECT c.*, MAX(CASE WHEN c.inbound_flag = 1 AND c.root_id = c.id THEN c.created_us END)"
        " OVER (PARTITION BY c.customer_id ORDER BY c.created_us"
        " RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS earlier_inbound_us"
        f" FROM ({_counted_tickets(where)}) c"
    )


def _facts_select(history: str, full: bool, part: Part = None) -> str:
    """Every column of the facts of the scope, from the status history CTE named `history`."""
    summary = (
        "SELECT ticket_id, MAX(CASE WHEN next_at IS NULL THEN st END) AS status,"
        f" MAX(CASE WHEN prev_st IN {UNSOLVED_SQL} AND st IN {SOLVED_SQL} THEN at END) AS solved_at,"
        f" MAX(CASE WHEN prev_st IN {SOLVED_SQL} AND st IN {UNSOLVED_SQL} THEN 1 ELSE 0 END) AS reopened"
        f" FROM {history} GROUP BY ticket_id"
    )
    replies = (
        "SELECT r.root_id AS ticket_id, MIN(d.first_us) AS first_us, SUM(d.replies) AS n"
        " FROM kpis_ticketreplyday d JOIN kpis_ticketroot r ON r.ticket_id = d.ticket_id"
        f" WHERE {in_scope('r.root_id', full)} GROUP BY r.root_id"
    )
    if full:
        tickets, earlier, earlier_join = _with_earlier_inbound(_of_part(part)), "", ""
    else:
        # Whether a ticket repeats a contact depends on all of its customer's tickets.
        customers = f"t.customer_id IN (SELECT customer_id FROM tickets_ticket WHERE id IN {SCOPE})"
        tickets, earlier = _counted_tickets(f"t.id IN {SCOPE}"), " e.earlier_inbound_us,"
        earlier_join = f" LEFT JOIN ({_with_earlier_inbound(customers)}) e ON e.id = b.id"
    live = "b.root_id = b.id"
    solved = f"h.status IN {SOLVED_SQL}"
    rated = to_us("s.created_at")
    base = (
        f"SELECT b.*,{earlier} h.status,"
        f" CASE WHEN {solved} THEN 1 ELSE 0 END AS solved_flag,"
        f" CASE WHEN {solved} THEN {_at_us('h.solved_at')} END AS solved_us,"
        f" CASE WHEN {solved} THEN {_at_day('h.solved_at')} END AS solved_day, h.reopened,"
        f" CASE WHEN {live} AND p.first_us IS NOT NULL THEN {greatest('p.first_us', 'b.created_us')} END"
        " AS first_reply_us,"
        f" CASE WHEN {live} THEN COALESCE(p.n, 0) ELSE 0 END AS public_replies,"
        f" CASE WHEN {live} THEN s.score END AS rating_score,"
        f" CASE WHEN {live} AND s.score IS NOT NULL THEN {rated} END AS rating_us"
        f" FROM ({tickets}) b JOIN ({summary}) h ON h.ticket_id = b.id"
        f" LEFT JOIN ({replies}) p ON p.ticket_id = b.id{earlier_join}"
        " LEFT JOIN tickets_satisfactionrating s ON s.ticket_id = b.id"
    )
    live_b = "base.root_id = base.id"
    frt = f"CASE WHEN {live_b} AND base.inbound_flag = 1 THEN base.first_reply_us - base.created_us END"
    resolution = f"CASE WHEN {live_b} THEN base.solved_us - base.created_us END"
    # OFFSET 0: each duration is computed once, then bucketed (PostgreSQL would inline it thrice).
    fence = " OFFSET 0" if is_postgres() else ""
    return (
        f"SELECT x.id, x.customer_id, x.live = 0, x.inbound_flag = 1, x.team_id, x.channel, x.assignee_id,"
        " x.priority, x.type, x.customer_stage_at_open, x.created_us, x.created_day, x.status,"
        " x.solved_flag = 1, x.first_reply_us, x.public_replies,"
        f" x.solved_us, x.solved_day, x.reopened = 1, {to_us('x.first_response_due_at')},"
        f" {to_us('x.resolution_due_at')},"
        " x.live = 1 AND x.inbound_flag = 1 AND x.earlier_inbound_us IS NOT NULL"
        f" AND x.earlier_inbound_us >= x.created_us - {repeat_window_us()},"
        f" x.rating_score, x.rating_us, {local_day('x.rating_us')},"
        f" x.frt_value, {bucket('x.frt_value')}, x.resolution_value, {bucket('x.resolution_value')}"
        f" FROM (SELECT base.*, CASE WHEN {live_b} THEN 1 ELSE 0 END AS live, {frt} AS frt_value,"
        f" {resolution} AS resolution_value FROM ({base}) base{fence}) x"
    )


def rebuild_facts(*, full: bool, part: Part = None) -> None:
    """The facts and unsolved spans of the scope (the roots and reply days must be current).

    `part` (k, n) limits a full run to the customers whose id is k modulo n, so that n
    connections can build the facts at once (one INSERT … SELECT uses one core).
    """
    if not full:
        run(f"DELETE FROM kpis_ticketfact WHERE ticket_id IN {SCOPE}")
        run(f"DELETE FROM kpis_unsolvedspan WHERE ticket_id IN {SCOPE}")
    if is_postgres():
        # One pass over the events feeds both tables.
        run(
            f"WITH h AS MATERIALIZED ({_history(full, part)}), spans AS ({_spans_insert('h')})"
            f" INSERT INTO kpis_ticketfact ({FACT_COLUMNS}) {_facts_select('h', full, part)}",
            prepare=not full,
        )
        return
    run(_spans_insert(f"({_history(full, part)})"))
    history = f"({_history(full, part)})"
    run(f"INSERT INTO kpis_ticketfact ({FACT_COLUMNS}) {_facts_select(history, full, part)}")


def frt_bucket_cases(value: str) -> str:
    """Which FRT_BOUNDS bucket (0-4) a first-response time in µs falls in."""
    return (
        "CASE "
        + " ".join(
            f"WHEN {value} >= {lo * 1_000_000} THEN {i}" for i, lo in reversed(list(enumerate(FRT_BOUNDS)))
        )
        + " END"
    )
