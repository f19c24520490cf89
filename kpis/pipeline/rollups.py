"""The daily rollups: sums over the per-ticket tables, per local day and slice.

Every fact, unsolved span and reply day *contributes* rows (day, its dimensions, measures);
a rollup row is the sum of the contributions that fall on its day and slice. A full run
aggregates every contribution once; an incremental run subtracts the contributions of the
scope's rows before they are rebuilt and adds those of the new rows after, so a rollup always
equals the sum over the current tables (the property tests compare them with the reference).

What each ticket measure counts (`live` = not merged into another ticket):
- on the creation day: volume (every ticket), frt_n/frt_sum (live inbound tickets with a
  public agent reply; their first-response time), frt_b0..b4 (the same by FRT_BOUNDS), unanswered
  (live inbound, not solved, no reply), inbound / repeat (live inbound; those repeating a contact),
  slafr_n/ok/late (live inbound with a first-response due time; replied in time / late) and
  slares_n/ok/late (live with a resolution due time; solved in time / late). Whether an
  unanswered or unsolved ticket has breached depends on the time of the question: selectors
  count those from the facts.
- on the solved day (live tickets currently solved): solved, resolution_sum, fcr_n/fcr_hit
  (inbound; solved with exactly one reply and never reopened), reopened.
- on the rating day (live rated tickets): ratings, ratings_good (4-5), rating_sum.
- backlog_delta: +1 on the day an unsolved span starts, -1 on the day it ends; the backlog at the
  end of day d is the sum over every day up to d.
"""

from ..dialect import is_postgres
from ..models import SLICE, TicketRollup
from .sql import in_scope, run
from .tickets import FRT_BOUNDS, Part, frt_bucket_cases

# (column, value meaning "none", value meaning "all"), in the order of the grouping bits.
DIMENSIONS = (
    ("team_id", "0", "-1"),
    ("channel", "''", "'*'"),
    ("assignee_id", "0", "-1"),
    ("priority", "''", "'*'"),
    ("type", "''", "'*'"),
    ("stage", "''", "'*'"),
)
TICKET_MEASURES = [f.column for f in TicketRollup._meta.concrete_fields if f.column not in ("id", *SLICE)]
# The slices stored: all tickets, and each dimension the dashboard slices or filters by alone
# (not `type`). Pairs of dimensions would cost more to maintain than the facts they summarize;
# the selectors answer those, and `type`, from the facts.
SLICED = ("team_id", "channel", "assignee_id", "priority", "stage")
SLICES = [0, *(1 << bit for bit, (column, _, _) in enumerate(DIMENSIONS) if column in SLICED)]


def _fact_dims(alias: str = "f") -> str:
    return ", ".join(f"{alias}.{column}" for column, _, _ in DIMENSIONS)


def _branch(day: str, source: str, measures: dict[str, str], names, part: Part = None) -> str:
    values = ", ".join(f"{measures.get(name, '0')} AS {name}" for name in names)
    # OFFSET 0 keeps PostgreSQL from inlining the measures into every slice's aggregate: each
    # is computed once per row, not once per row and slice.
    fence = " OFFSET 0" if is_postgres() else ""
    if part is not None:
        # Rollup rows of different days never add up: part k of n takes the days k modulo n.
        source += f" AND mod({day} - DATE '2000-01-01', {part[1]}) = {part[0]}"
    return f"SELECT {day} AS day, {_fact_dims()}, {values} {source}{fence}"


def _ticket_branches(full: bool, part: Part = None) -> list[tuple[str, list[str]]]:
    """The contributions of the scope's facts and spans, as (SELECT, measures it sets)."""
    facts = f"FROM kpis_ticketfact f WHERE {in_scope('f.ticket_id', full)}"
    live_in = "NOT f.is_merged AND f.inbound"
    one = "CASE WHEN {} THEN 1 ELSE 0 END".format
    frt_bucket = frt_bucket_cases("f.frt_us")
    created = {
        "volume": "1",
        "frt_n": one("f.frt_us IS NOT NULL"),
        "frt_sum": "COALESCE(f.frt_us, 0)",
        **{f"frt_b{i}": one(f"{frt_bucket} = {i}") for i in range(len(FRT_BOUNDS))},
        "unanswered": one(f"{live_in} AND NOT f.is_solved AND f.first_reply_us IS NULL"),
        "inbound": one(live_in),
        "repeat": one(f"{live_in} AND f.repeat_contact"),
        "slafr_n": one(f"{live_in} AND f.first_response_due_us IS NOT NULL"),
        "slafr_ok": one(f"{live_in} AND f.first_reply_us <= f.first_response_due_us"),
        "slafr_late": one(f"{live_in} AND f.first_reply_us > f.first_response_due_us"),
        "slares_n": one("NOT f.is_merged AND f.resolution_due_us IS NOT NULL"),
        "slares_ok": one("NOT f.is_merged AND f.is_solved AND f.solved_us <= f.resolution_due_us"),
        "slares_late": one("NOT f.is_merged AND f.is_solved AND f.solved_us > f.resolution_due_us"),
    }
    solved = {
        "solved": "1",
        "resolution_sum": "f.resolution_us",
        "fcr_n": one("f.inbound"),
        "fcr_hit": one("f.inbound AND f.public_replies = 1 AND NOT f.reopened"),
        "reopened": one("f.reopened"),
    }
    rated_only = "NOT f.is_merged AND f.rating_score IS NOT NULL"
    rated = {"ratings": "1", "ratings_good": one("f.rating_score >= 4"), "rating_sum": "f.rating_score"}
    spans = (
        "FROM kpis_unsolvedspan s JOIN kpis_ticketfact f ON f.ticket_id = s.ticket_id"
        f" WHERE {in_scope('s.ticket_id', full)}"
    )
    return [
        (_branch("f.created_day", facts, created, created, part), list(created)),
        (
            _branch("f.solved_day", f"{facts} AND f.resolution_us IS NOT NULL", solved, solved, part),
            list(solved),
        ),
        (_branch("f.rating_day", f"{facts} AND {rated_only}", rated, rated, part), list(rated)),
        # A span that starts and ends on the same day adds nothing.
        (
            _branch(
                "s.start_day",
                f"{spans} AND (s.end_day IS NULL OR s.end_day > s.start_day)",
                {"backlog_delta": "1"},
                ["backlog_delta"],
                part,
            ),
            ["backlog_delta"],
        ),
        (
            _branch(
                "s.end_day",
                f"{spans} AND s.end_day > s.start_day",
                {"backlog_delta": "-1"},
                ["backlog_delta"],
                part,
            ),
            ["backlog_delta"],
        ),
    ]


def _sliced(source: str, measures: list[str], masks: list[int], sign: str = "", extra: tuple = ()) -> str:
    """SELECT grouping, day, key…, extra…, SUM(measure)… of `source` for every slice in `masks`.

    PostgreSQL aggregates all the slices in one pass with GROUPING SETS; SQLite repeats the
    rows once per slice.
    """
    sums = ", ".join(f"SUM({sign}x.{m}) AS {m}" for m in measures)
    more = "".join(f", x.{c}" for c in extra)
    if is_postgres():
        used = [(bit, c) for bit, (c, _, _) in enumerate(DIMENSIONS) if any(m & (1 << bit) for m in masks)]
        sets = ", ".join(
            "(" + ", ".join(f"x.{c}" for bit, c in used if mask & (1 << bit)) + ")" for mask in masks
        )
        grouping = " + ".join(f"(1 - GROUPING(x.{c})) * {1 << bit}" for bit, c in used) or "0"
        keys = ", ".join(
            f"CASE WHEN GROUPING(x.{c}) = 0 THEN COALESCE(x.{c}, {none}) ELSE {every} END AS {c}"
            if any(c == u for _, u in used)
            else f"{every} AS {c}"
            for c, none, every in DIMENSIONS
        )
        return (
            f"SELECT {grouping} AS grouping, x.day, {keys}{more}, {sums} FROM ({source}) x"
            f" GROUP BY x.day{more}, GROUPING SETS ({sets})"
        )
    masks_sql = " UNION ALL ".join(f"SELECT {m} AS mask" for m in masks)
    keys = ", ".join(
        f"CASE WHEN g.mask & {1 << bit} <> 0 THEN COALESCE(x.{c}, {none}) ELSE {every} END AS {c}"
        for bit, (c, none, every) in enumerate(DIMENSIONS)
    )
    positions = ", ".join(str(i) for i in range(1, 3 + len(DIMENSIONS) + len(extra)))
    return (
        f"SELECT g.mask AS grouping, x.day, {keys}{more}, {sums} FROM ({source}) x CROSS JOIN ({masks_sql}) g"
        f" GROUP BY {positions}"
    )


def _ticket_sums(full: bool, sign: str = "", part: Part = None) -> str:
    """The ticket rollup rows the scope contributes (of the days of `part`, PostgreSQL)."""
    parts = []
    for select, measures in _ticket_branches(full, part):
        values = ", ".join(f"{f'p.{m}' if m in measures else '0'} AS {m}" for m in TICKET_MEASURES)
        sliced = _sliced(select, measures, SLICES, sign)
        parts.append(f"SELECT p.grouping, p.day, {_key('p')}, {values} FROM ({sliced}) p")
    sums = ", ".join(f"SUM(u.{m}) AS {m}" for m in TICKET_MEASURES)
    return (
        f"SELECT u.grouping, u.day, {_key('u')}, {sums} FROM ({' UNION ALL '.join(parts)}) u"
        f" GROUP BY u.grouping, u.day, {_key('u')}"
    )


def _key(alias: str) -> str:
    return ", ".join(f"{alias}.{c}" for c, _, _ in DIMENSIONS)


def _duration_sums(full: bool, sign: str = "") -> str:
    """The histogram rows the scope contributes: durations per metric, day and bucket."""
    facts = f"FROM kpis_ticketfact f WHERE {in_scope('f.ticket_id', full)}"
    return (
        f"SELECT x.metric, x.day, x.bucket, SUM({sign}1) AS n FROM ("
        "SELECT 'frt' AS metric, f.created_day AS day, f.frt_bucket AS bucket"
        f" {facts} AND f.frt_us IS NOT NULL"
        " UNION ALL SELECT 'resolution', f.solved_day, f.resolution_bucket"
        f" {facts} AND f.resolution_us IS NOT NULL) x GROUP BY x.metric, x.day, x.bucket"
    )


def _reply_sums(full: bool, sign: str = "") -> str:
    """Replies per day and author (the reply days of spam tickets are not kept)."""
    return (
        f"SELECT d.day, d.author_id, SUM({sign}d.replies) AS replies FROM kpis_ticketreplyday d"
        f" WHERE d.author_id IS NOT NULL AND {in_scope('d.ticket_id', full)} GROUP BY d.day, d.author_id"
    )


SLICE_KEY = ("grouping", "day", *(c for c, _, _ in DIMENSIONS))
ROLLUPS = (
    # table, the query of its rows, its key, its measures
    ("kpis_ticketrollup", _ticket_sums, SLICE_KEY, TICKET_MEASURES),
    ("kpis_durationrollup", _duration_sums, ("metric", "day", "bucket"), ("n",)),
    ("kpis_replyrollup", _reply_sums, ("day", "author_id"), ("replies",)),
)
TABLES = [table for table, *_ in ROLLUPS]


def build_all() -> None:
    """Fill the (empty) rollups from every row of the per-ticket tables."""
    for table, *_ in ROLLUPS:
        build(table)


def build(table: str, part: Part = None) -> None:
    """Fill one (empty) rollup; `part` (ticket rollup, PostgreSQL): only the days k modulo n."""
    rows, key, measures = next(r[1:] for r in ROLLUPS if r[0] == table)
    select = _ticket_sums(True, part=part) if part is not None else rows(True)
    run(f"INSERT INTO {table} ({', '.join([*key, *measures])}) {select}")


def subtract_scope() -> None:
    """Take out what the scope's current rows contribute (before they are rebuilt)."""
    _add(sign="-")


def add_scope() -> None:
    """Add what the scope's rebuilt rows contribute."""
    _add(sign="")


def _add(sign: str) -> None:
    for table, rows, key_columns, measures in ROLLUPS:
        key = ", ".join(key_columns)
        updates = ", ".join(f"{m} = {table}.{m} + excluded.{m}" for m in measures)
        # "WHERE 1 = 1" keeps SQLite from reading ON CONFLICT as part of a join.
        run(
            f"INSERT INTO {table} ({key}, {', '.join(measures)}) SELECT * FROM ({rows(False, sign)}) r"
            f" WHERE 1 = 1 ON CONFLICT ({key}) DO UPDATE SET {updates}",
            prepare=True,
        )
