"""Reading the daily rollups (kept by kpis.pipeline.rollups) for kpis.selectors.

The rollups hold every ticket measure per local day for all tickets and for each dimension
alone (but `type`), so a question whose `by` and filters name at most one dimension is a sum over
at most a few thousand rows; `slice_of()` says whether they can answer. Medians come from the duration
histogram (all tickets) or the facts' covering indexes (a slice), never from a sort of the range.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db import connection

from .dialect import is_postgres

# dimension -> (rollup column, grouping bit, stored "none")
COLUMNS = {
    "team": ("team_id", 1, 0),
    "channel": ("channel", 2, ""),
    "assignee": ("assignee_id", 4, 0),
    "priority": ("priority", 8, ""),
    "type": ("type", 16, ""),
    "stage": ("stage", 32, ""),
}
DURATION_VALUES = {
    # metric -> (histogram name, day column, value column, bucket column)
    "first_response_time": ("frt", "created_day", "frt_us", "frt_bucket"),
    "resolution_time": ("resolution", "solved_day", "resolution_us", "resolution_bucket"),
}


def _fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def slice_of(by: str | None, filters: dict) -> int | None:
    """The grouping that holds this question, or None (two dimensions or more, or `type`)."""
    dimensions = set(filters) | ({by} if by else set())
    if len(dimensions) > 1 or dimensions & {"type"}:
        return None
    return COLUMNS[dimensions.pop()][1] if dimensions else 0


def _where(by: str | None, filters: dict, alias: str = "r") -> tuple[str, list, str]:
    """WHERE conditions and params of the slice, and the key expression."""
    grouping = slice_of(by, filters)
    parts, params = [f"{alias}.grouping = %s"], [grouping]
    for name, value in filters.items():
        column, _, none = COLUMNS[name]
        parts.append(f"{alias}.{column} = %s")
        params.append(none if value is None else value)
    key = f"{alias}.{COLUMNS[by][0]}" if by else "NULL"
    return " AND ".join(parts), params, key


def decode(by: str | None, value):
    """A stored key back to the dimension's value (the stored "none" is None)."""
    if by is None or value == COLUMNS[by][2]:
        return None
    return value


def ticket_sums(measures: list[str], date_from: date, date_to: date, by, filters) -> dict:
    """{key: {measure: sum over the range}} of the slice."""
    where, params, key = _where(by, filters)
    sums = ", ".join(f"SUM(r.{m})" for m in measures)
    rows = _fetch(
        f"SELECT {key} AS k, {sums} FROM kpis_ticketrollup r WHERE {where} AND r.day BETWEEN %s AND %s"
        + (" GROUP BY k" if by else ""),
        [*params, date_from, date_to],
    )
    return {decode(by, k): _named(measures, values) for k, *values in rows}


def daily_sums(measures: list[str], date_from: date, date_to: date, filters: dict) -> dict[date, dict]:
    """{day: {measure: sum}} of the slice for the days of the range that have rows."""
    where, params, _ = _where(None, filters)
    sums = ", ".join(f"SUM(r.{m})" for m in measures)
    rows = _fetch(
        f"SELECT r.day, {sums} FROM kpis_ticketrollup r WHERE {where} AND r.day BETWEEN %s AND %s"
        " GROUP BY r.day",
        [*params, date_from, date_to],
    )
    return {_day(d): _named(measures, values) for d, *values in rows}


def backlog_changes(date_from: date, date_to: date, by, filters) -> tuple[dict, dict]:
    """({key: backlog at the end of the day before the range}, {key: {day: change}} in the range)."""
    where, params, key = _where(by, filters)
    rows = _fetch(
        f"SELECT {key} AS k, r.day, SUM(r.backlog_delta) FROM kpis_ticketrollup r WHERE {where}"
        " AND r.backlog_delta <> 0 AND r.day BETWEEN %s AND %s GROUP BY k, r.day"
        f" UNION ALL SELECT {key} AS k, NULL, SUM(r.backlog_delta) FROM kpis_ticketrollup r WHERE {where}"
        " AND r.backlog_delta <> 0 AND r.day < %s GROUP BY k",
        [*params, date_from, date_to, *params, date_from],
    )
    before: dict = defaultdict(int)
    changes: dict = defaultdict(lambda: defaultdict(int))
    for k, d, n in rows:
        if d is None:
            before[decode(by, k)] += int(n)
        else:
            changes[decode(by, k)][_day(d)] += int(n)
    return before, changes


def replies_by_author(date_from: date, date_to: date) -> dict[int, int]:
    rows = _fetch(
        "SELECT r.author_id, SUM(r.replies) FROM kpis_replyrollup r WHERE r.day BETWEEN %s AND %s"
        " GROUP BY r.author_id",
        [date_from, date_to],
    )
    return {author: int(n) for author, n in rows if n}


# ---- medians and 90th percentiles ----------------------------------------------------------------


def percentiles(names: list[str], date_from: date, date_to: date, by, filters, fact_filter) -> dict:
    """{metric: {key: (median, p90)}} in µs of duration metrics, as percentile_cont computes them.

    All tickets: the histogram says which bucket holds each rank, and the facts of those buckets
    only are read. A slice: its values come from the facts' covering indexes.
    """
    if not names:
        return {}
    if by is None and not filters:
        return _from_histogram(names, date_from, date_to)
    return _from_facts(names, date_from, date_to, by, filters, fact_filter)


def _interpolate(values: dict[int, int], n: int, p: float) -> float:
    row = p * (n - 1)
    lo = int(row)
    hi = min(lo + 1, n - 1)
    lo_v, hi_v = float(values[lo]), float(values[hi])
    return lo_v + (hi_v - lo_v) * (row - lo)


def _ranks(n: int) -> list[int]:
    out = set()
    for p in (0.5, 0.9):
        lo = int(p * (n - 1))
        out |= {lo, min(lo + 1, n - 1)}
    return sorted(out)


def _from_histogram(names: list[str], date_from: date, date_to: date) -> dict:
    metrics = {DURATION_VALUES[name][0]: name for name in names}
    marks = ", ".join(["%s"] * len(metrics))
    counts: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for metric, b, c in _fetch(
        f"SELECT metric, bucket, SUM(n) FROM kpis_durationrollup WHERE metric IN ({marks})"
        " AND day BETWEEN %s AND %s GROUP BY metric, bucket HAVING SUM(n) > 0 ORDER BY metric, bucket",
        [*metrics, date_from, date_to],
    ):
        counts[metric].append((b, int(c)))
    # Which bucket holds each needed rank, and from which offset inside it to read.
    parts, params, firsts = [], [], {}
    for metric, buckets in counts.items():
        _, day, value, bucket = DURATION_VALUES[metrics[metric]]
        ranks, start = _ranks(sum(c for _, c in buckets)), 0
        for b, c in buckets:
            offsets = [r - start for r in ranks if start <= r < start + c]
            if offsets:
                firsts[(metric, b)] = start + min(offsets)
                parts.append(
                    f"SELECT * FROM (SELECT %s AS m, %s AS b, f.{value} AS v FROM kpis_ticketfact f"
                    f" WHERE f.{bucket} = %s AND f.{day} BETWEEN %s AND %s AND f.{value} IS NOT NULL"
                    f" ORDER BY f.{value} LIMIT %s OFFSET %s) q"
                )
                params += [metric, b, b, date_from, date_to, max(offsets) - min(offsets) + 1, min(offsets)]
            start += c
    found: dict[str, list] = defaultdict(list)
    for metric, b, v in _fetch(" UNION ALL ".join(parts), params) if parts else []:
        found[(metric, b)].append(v)
    out = {name: {None: None} for name in names}
    for metric, buckets in counts.items():
        ranked = {}
        for (m, b), values in found.items():
            if m == metric:
                ranked.update({firsts[(m, b)] + i: v for i, v in enumerate(sorted(values))})
        n = sum(c for _, c in buckets)
        out[metrics[metric]] = {None: (_interpolate(ranked, n, 0.5), _interpolate(ranked, n, 0.9))}
    return out


def _from_facts(names: list[str], date_from: date, date_to: date, by, filters, fact_filter) -> dict:
    extra, extra_params = fact_filter(filters)
    key = f"f.{COLUMNS[by][0]}" if by else "NULL"
    parts, params = [], []
    for i, name in enumerate(names):
        _, day, value, _ = DURATION_VALUES[name]
        where = f"f.{value} IS NOT NULL AND f.{day} BETWEEN %s AND %s{extra}"
        params += [date_from, date_to, *extra_params]
        if is_postgres():
            parts.append(
                f"SELECT {i} AS m, {key} AS k, percentile_cont(ARRAY[0.5, 0.9])"
                f" WITHIN GROUP (ORDER BY f.{value}::float8) AS p"
                f" FROM kpis_ticketfact f WHERE {where} GROUP BY k"
            )
        else:
            parts.append(f"SELECT {i} AS m, {key} AS k, f.{value} AS v FROM kpis_ticketfact f WHERE {where}")
    out: dict[str, dict] = {name: {} for name in names}
    if is_postgres():
        for m, k, p in _fetch(" UNION ALL ".join(parts), params):
            if p is not None:
                out[names[m]][k] = tuple(p)
        return out
    groups: dict = defaultdict(list)
    for m, k, v in _fetch(f"SELECT * FROM ({' UNION ALL '.join(parts)}) x ORDER BY m, v", params):
        groups[(m, k)].append(v)
    for (m, k), v in groups.items():
        ranked = dict(enumerate(v))
        out[names[m]][k] = (_interpolate(ranked, len(v), 0.5), _interpolate(ranked, len(v), 0.9))
    return out


def _named(measures: list[str], values) -> dict[str, int]:
    return dict(zip(measures, (int(v or 0) for v in values), strict=True))


def _day(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
