"""Every metric of shared/KPIS.md, answered from the precomputed tables in the "API shape".

`metric(name, date_from=, date_to=, by=, filters=, now=)` is the one entry point the API, the
dashboard and the CSV exports use; `drill_ids()` lists the exact tickets or customers behind a
figure with the same population SQL, so a number and its drill-down cannot disagree.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.utils import timezone

from .dialect import day_bounds_us, is_postgres, to_us, us

DIMENSIONS = {
    "team": "team_id",
    "channel": "channel",
    "assignee": "assignee_id",
    "priority": "priority",
    "type": "type",
    "stage": "stage",
}
INT_DIMENSIONS = {"team", "assignee"}
FIVE = ("reach", "acquisition", "conversion", "retention", "loyalty")
STAGES = (*FIVE, "churned")
PAYING = ("conversion", "retention", "loyalty")
NOT_MERGED = "NOT f.is_merged"


@dataclass(frozen=True)
class Spec:
    """A ticket metric: its population, the day it is attributed to, and its figure."""

    day: str
    where: str
    kind: str  # count | duration | rate | csat | sla
    value: str = ""
    hit: str = ""
    breached: str = ""


def _sla(reply: str, due: str, solved_check: str) -> tuple[str, str]:
    achieved = f"{solved_check} AND {reply} <= {due}"
    breached = f"(({solved_check} AND {reply} > {due}) OR (NOT ({solved_check}) AND %(now)s > {due}))"
    return achieved, breached


_FR = _sla("f.first_reply_us", "f.first_response_due_us", "f.first_reply_us IS NOT NULL")
_RES = _sla("f.solved_us", "f.resolution_due_us", "f.is_solved")

TICKET_METRICS: dict[str, Spec] = {
    "volume": Spec("created_day", "1 = 1", "count"),
    "first_response_time": Spec(
        "created_day",
        f"{NOT_MERGED} AND f.inbound AND f.first_reply_us IS NOT NULL",
        "duration",
        value="f.first_reply_us - f.created_us",
    ),
    "unanswered": Spec(
        "created_day", f"{NOT_MERGED} AND f.inbound AND NOT f.is_solved AND f.first_reply_us IS NULL", "count"
    ),
    "resolution_time": Spec(
        "solved_day", f"{NOT_MERGED} AND f.is_solved", "duration", value="f.solved_us - f.created_us"
    ),
    "fcr": Spec(
        "solved_day",
        f"{NOT_MERGED} AND f.inbound AND f.is_solved",
        "rate",
        hit="f.public_replies = 1 AND NOT f.reopened",
    ),
    "reopen_rate": Spec("solved_day", f"{NOT_MERGED} AND f.is_solved", "rate", hit="f.reopened"),
    "repeat_contact_rate": Spec("created_day", f"{NOT_MERGED} AND f.inbound", "rate", hit="f.repeat_contact"),
    "csat": Spec(
        "rating_day", f"{NOT_MERGED} AND f.rating_score IS NOT NULL", "csat", hit="f.rating_score >= 4"
    ),
    "sla_first_response": Spec(
        "created_day",
        f"{NOT_MERGED} AND f.inbound AND f.first_response_due_us IS NOT NULL",
        "sla",
        hit=_FR[0],
        breached=_FR[1],
    ),
    "sla_resolution": Spec(
        "created_day",
        f"{NOT_MERGED} AND f.resolution_due_us IS NOT NULL",
        "sla",
        hit=_RES[0],
        breached=_RES[1],
    ),
}
PER_DAY_METRICS = ("backlog",)
CUSTOMER_METRICS = ("stage_counts", "churn_rate", "retention_rate", "loyal_share", "funnel")
METRICS = (*TICKET_METRICS, "backlog", *CUSTOMER_METRICS, "revenue_after_service")
# Metrics that take `by` and dimension filters (customer metrics do not; stage_counts is by stage).
SLICEABLE = (*TICKET_METRICS, "backlog", "revenue_after_service")


def window(name: str, default_days: int) -> int:
    return int(timedelta(days=getattr(settings, name, default_days)).total_seconds()) * 1_000_000


def _fetch(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _day(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _filter_sql(filters: dict, alias: str = "f") -> tuple[str, list]:
    parts, params = [], []
    for name, value in sorted(filters.items()):
        column = f"{alias}.{DIMENSIONS[name]}"
        if value is None:
            parts.append(f"{column} IS NULL")
        else:
            parts.append(f"{column} = %s")
            params.append(value)
    return (" AND " + " AND ".join(parts)) if parts else "", params


def _key_sql(by: str | None, alias: str = "f") -> str:
    return f"{alias}.{DIMENSIONS[by]}" if by else "NULL"


def _sorted(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda r: (r["key"] is None, str(r["key"])))


def percentile(ordered: list[int], p: float) -> float:
    """PostgreSQL's percentile_cont over already ordered values (the same float arithmetic)."""
    row = p * (len(ordered) - 1)
    lo = int(row)
    hi = min(lo + 1, len(ordered) - 1)
    lo_v, hi_v = float(ordered[lo]), float(ordered[hi])
    return lo_v + (hi_v - lo_v) * (row - lo)


def _rate(numerator, denominator) -> dict:
    numerator, denominator = int(numerator or 0), int(denominator or 0)
    return {
        "numerator": numerator,
        "denominator": denominator,
        "rate": numerator / denominator if denominator else None,
    }


def _duration(count, total, median, p90) -> dict:
    count = int(count or 0)
    if not count:
        return {"count": 0, "mean": None, "median": None, "p90": None}
    return {"count": count, "mean": int(total) / count / 1e6, "median": median / 1e6, "p90": p90 / 1e6}


# ---- the entry point -----------------------------------------------------------------------------


def metric(
    name: str,
    *,
    date_from: date,
    date_to: date,
    by: str | None = None,
    filters: dict | None = None,
    now: datetime | None = None,
) -> dict:
    """One metric over [date_from, date_to] (local days), in the API shape of KPIS.md."""
    return metrics([name], date_from=date_from, date_to=date_to, by=by, filters=filters, now=now)[name]


def metrics(
    names: list[str],
    *,
    date_from: date,
    date_to: date,
    by: str | None = None,
    filters: dict | None = None,
    now: datetime | None = None,
) -> dict[str, dict]:
    """Several metrics at once: ticket metrics attributed to the same day share one scan."""
    filters = filters or {}
    now = now or timezone.now()
    rows = _ticket_metrics([n for n in names if n in TICKET_METRICS], date_from, date_to, by, filters, now)
    for name in names:
        if name not in TICKET_METRICS:
            rows[name] = globals()[f"_{name}"](date_from, date_to, by, filters)
    return {
        name: {"metric": name, "from": date_from, "to": date_to, "by": by, "results": rows[name]}
        for name in names
    }


def population(spec: Spec, date_from: date, date_to: date, filters: dict, now: datetime) -> tuple[str, list]:
    """FROM … WHERE … selecting exactly the items of a ticket metric."""
    extra, params = _filter_sql(filters)
    where = spec.where.replace("%(now)s", str(us(now)))
    sql = f" FROM kpis_ticketfact f WHERE {where} AND f.{spec.day} BETWEEN %s AND %s{extra}"
    return sql, [date_from.isoformat(), date_to.isoformat(), *params]


def _ticket_metrics(names, date_from, date_to, by, filters, now) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    by_day: dict[str, list[str]] = defaultdict(list)
    for name in names:
        spec = TICKET_METRICS[name]
        if spec.kind == "duration" and not is_postgres():
            out[name] = _durations_sqlite(spec, date_from, date_to, by, filters, now)
        else:
            by_day[spec.day].append(name)
    for day, group in by_day.items():
        out.update(_one_scan(day, group, date_from, date_to, by, filters, now))
    return out


def _columns(spec: Spec, now: datetime) -> list[str]:
    """The aggregate columns of one metric, each restricted to the metric's population."""
    n = str(us(now))
    pop = spec.where.replace("%(now)s", n)
    columns = [f"SUM(CASE WHEN {pop} THEN 1 ELSE 0 END)"]
    if spec.kind == "duration":
        columns += [
            f"SUM(CASE WHEN {pop} THEN {spec.value} ELSE 0 END)",
            f"percentile_cont(0.5) WITHIN GROUP (ORDER BY ({spec.value})::float8) FILTER (WHERE {pop})",
            f"percentile_cont(0.9) WITHIN GROUP (ORDER BY ({spec.value})::float8) FILTER (WHERE {pop})",
        ]
    elif spec.kind in ("rate", "csat", "sla"):
        columns.append(f"SUM(CASE WHEN {pop} AND {spec.hit.replace('%(now)s', n)} THEN 1 ELSE 0 END)")
    if spec.kind == "csat":
        columns.append(f"SUM(CASE WHEN {pop} THEN f.rating_score ELSE 0 END)")
    if spec.kind == "sla":
        columns.append(f"SUM(CASE WHEN {pop} AND {spec.breached.replace('%(now)s', n)} THEN 1 ELSE 0 END)")
    return columns


def _one_scan(day: str, names: list[str], date_from, date_to, by, filters, now) -> dict[str, list[dict]]:
    extra, params = _filter_sql(filters)
    layout, columns = [], []
    for name in names:
        spec = TICKET_METRICS[name]
        cols = _columns(spec, now)
        layout.append((name, spec, len(columns), len(cols)))
        columns += cols
    sql = (
        f"SELECT {_key_sql(by)} AS k, {', '.join(columns)} FROM kpis_ticketfact f"
        f" WHERE f.{day} BETWEEN %s AND %s{extra}" + (" GROUP BY k" if by else "")
    )
    fetched = _fetch(sql, [date_from.isoformat(), date_to.isoformat(), *params])
    out = {}
    for name, spec, start, width in layout:
        rows = []
        for k, *values in fetched:
            v = values[start : start + width]
            if by and not v[0]:
                continue  # no item of this metric's population has this key
            rows.append({"key": k, **_figure(spec.kind, v)})
        if not by and not rows:
            rows.append({"key": None, **_figure(spec.kind, [0] * width)})
        out[name] = _sorted(rows)
    return out


def _figure(kind: str, v: list) -> dict:
    if kind == "count":
        return {"value": int(v[0] or 0)}
    if kind == "duration":
        return _duration(v[0], v[1], v[2], v[3])
    if kind == "rate":
        return _rate(v[1], v[0])
    if kind == "csat":
        count = int(v[0] or 0)
        return {**_rate(v[1], count), "mean": int(v[2] or 0) / count if count else None}
    achieved, breached = int(v[1] or 0), int(v[2] or 0)
    return {
        **_rate(achieved, achieved + breached),
        "achieved": achieved,
        "breached": breached,
        "pending": int(v[0] or 0) - achieved - breached,
    }


def _durations_sqlite(spec: Spec, date_from, date_to, by, filters, now) -> list[dict]:
    """SQLite has no percentile_cont: read the ordered values of the population instead."""
    source, params = population(spec, date_from, date_to, filters, now)
    groups: dict = defaultdict(list)
    for k, v in _fetch(f"SELECT {_key_sql(by)} AS k, {spec.value} AS v{source} ORDER BY v", params):
        groups[k].append(v)
    if not by:
        groups.setdefault(None, [])
    return _sorted(
        [
            {
                "key": k,
                **(
                    _duration(len(v), sum(v), percentile(v, 0.5), percentile(v, 0.9))
                    if v
                    else _duration(0, 0, 0, 0)
                ),
            }
            for k, v in groups.items()
        ]
    )


# ---- per-day counts from spans -------------------------------------------------------------------


def _days(date_from: date, date_to: date) -> list[date]:
    return [date_from + timedelta(days=i) for i in range((date_to - date_from).days + 1)]


def _spans_per_day(
    table_sql: str, key: str, extra: str, params: list, date_from: date, date_to: date
) -> dict:
    """{key: {day: count}} of spans [start, end) covering the end of each day in the range."""
    a, b = date_from.isoformat(), date_to.isoformat()
    # A span that starts and ends on the same day covers no day's end.
    extra = " AND (s.end_day IS NULL OR s.start_day IS NULL OR s.end_day > s.start_day)" + extra
    start = " CASE WHEN s.start_day IS NULL OR s.start_day < %s THEN %s ELSE s.start_day END AS d,"
    # Open spans and spans ending after `from`, as two index range scans rather than one OR.
    starts = []
    for ended, ended_params in (("s.end_day IS NULL", []), ("s.end_day > %s", [a])):
        starts += _fetch(
            f"SELECT {key} AS k,{start} COUNT(*) FROM {table_sql} WHERE {ended}"
            f" AND (s.start_day IS NULL OR s.start_day <= %s){extra} GROUP BY k, d",
            [a, a, *ended_params, b, *params],
        )
    ends = _fetch(
        f"SELECT {key} AS k, s.end_day AS d, COUNT(*) FROM {table_sql}"
        f" WHERE s.end_day > %s AND s.end_day <= %s AND (s.start_day IS NULL OR s.start_day <= %s){extra}"
        " GROUP BY k, d",
        [a, b, b, *params],
    )
    delta: dict = defaultdict(lambda: defaultdict(int))
    for k, d, n in starts:
        delta[k][_day(d)] += n
    for k, d, n in ends:
        delta[k][_day(d)] -= n
    out = {}
    for k, changes in delta.items():
        running, series = 0, {}
        for d in _days(date_from, date_to):
            running += changes.get(d, 0)
            series[d] = running
        out[k] = series
    return out


def _series_rows(per_key: dict, date_from, date_to, keys) -> list[dict]:
    rows = []
    for k in keys:
        series = per_key.get(k, {})
        days = [{"day": d, "value": series.get(d, 0)} for d in _days(date_from, date_to)]
        rows.append({"key": k, "value": days[-1]["value"], "days": days})
    return rows


def _backlog(date_from, date_to, by, filters) -> list[dict]:
    extra, params = _filter_sql(filters)
    per_key = _spans_per_day(
        "kpis_unsolvedspan s JOIN kpis_ticketfact f ON f.ticket_id = s.ticket_id",
        _key_sql(by),
        extra,
        params,
        date_from,
        date_to,
    )
    keys = set(per_key) | ({None} if not by else set())
    return _sorted(_series_rows(per_key, date_from, date_to, keys))


def _stage_series(date_from, date_to) -> dict:
    return _spans_per_day("kpis_stagespan s", "s.stage", "", [], date_from, date_to)


def _stage_counts(date_from, date_to, by, filters) -> list[dict]:
    return _series_rows(_stage_series(date_from, date_to), date_from, date_to, STAGES)


def _loyal_share(date_from, date_to, by, filters) -> list[dict]:
    series = _stage_series(date_from, date_to)
    days = []
    for d in _days(date_from, date_to):
        loyal = series.get("loyalty", {}).get(d, 0)
        paying = sum(series.get(s, {}).get(d, 0) for s in PAYING)
        r = _rate(loyal, paying)
        days.append({"day": d, "value": r["rate"], "numerator": loyal, "denominator": paying})
    return [{"key": None, **_rate(days[-1]["numerator"], days[-1]["denominator"]), "days": days}]


_PAYING_AT_START = (
    "SELECT DISTINCT customer_id FROM kpis_stagespan WHERE stage IN ('conversion', 'retention', 'loyalty')"
    " AND (start_day IS NULL OR start_day < %s) AND (end_day IS NULL OR end_day >= %s)"
)


def _churn_rate(date_from, date_to, by, filters) -> list[dict]:
    a, b = date_from.isoformat(), date_to.isoformat()
    ((total, churned),) = _fetch(
        "SELECT COUNT(*), SUM(CASE WHEN EXISTS (SELECT 1 FROM kpis_stagespan c"
        " WHERE c.customer_id = p.customer_id AND c.stage = 'churned' AND c.start_day BETWEEN %s AND %s)"
        f" THEN 1 ELSE 0 END) FROM ({_PAYING_AT_START}) p",
        [a, b, a, a],
    )
    return [{"key": None, **_rate(churned, total)}]


def _retention_rate(date_from, date_to, by, filters) -> list[dict]:
    a, b = date_from.isoformat(), date_to.isoformat()
    ((total, kept),) = _fetch(
        "SELECT COUNT(*), SUM(CASE WHEN EXISTS (SELECT 1 FROM kpis_stagespan c"
        " WHERE c.customer_id = p.customer_id AND c.stage IN ('conversion', 'retention', 'loyalty')"
        " AND (c.start_day IS NULL OR c.start_day <= %s) AND (c.end_day IS NULL OR c.end_day > %s))"
        f" THEN 1 ELSE 0 END) FROM ({_PAYING_AT_START}) p",
        [b, b, a, a],
    )
    return [{"key": None, **_rate(kept, total)}]


_FIRST_ENTRIES = (
    "SELECT customer_id, stage, stage_rank, start_us, change_id,"
    " ROW_NUMBER() OVER (PARTITION BY customer_id, stage ORDER BY start_us, change_id) AS rn"
    " FROM kpis_stagespan WHERE change_id IS NOT NULL AND stage_rank IS NOT NULL"
    " AND start_day BETWEEN %s AND %s"
)
_MOVED_ON = (
    "EXISTS (SELECT 1 FROM kpis_stagespan l WHERE l.customer_id = e.customer_id"
    " AND l.stage_rank > e.stage_rank"
    " AND l.change_id IS NOT NULL AND (l.start_us > e.start_us OR (l.start_us = e.start_us"
    " AND l.change_id > e.change_id)) AND l.start_us <= e.start_us + %s)"
)


def _funnel(date_from, date_to, by, filters) -> list[dict]:
    found = {
        stage: (entered, moved)
        for stage, entered, moved in _fetch(
            f"SELECT e.stage, COUNT(*), SUM(CASE WHEN {_MOVED_ON} THEN 1 ELSE 0 END)"
            f" FROM ({_FIRST_ENTRIES}) e WHERE e.rn = 1 GROUP BY e.stage",
            [window("KPI_FUNNEL_WINDOW_DAYS", 90), date_from.isoformat(), date_to.isoformat()],
        )
    }
    return [
        {"key": s, "entered": int(found.get(s, (0, 0))[0]), "moved_on": int(found.get(s, (0, 0))[1] or 0)}
        for s in FIVE
    ]


def _revenue_source(date_from, date_to, filters) -> tuple[str, list]:
    """FROM … WHERE … of the purchases, each joined to the ticket it is attributed to (alias f)."""
    span = window("KPI_REVENUE_WINDOW_DAYS", 90)
    lo, hi = day_bounds_us(date_from, date_to)
    adapt = connection.ops.adapt_datetimefield_value
    from .dialect import from_us

    t = to_us("p.occurred_at")
    extra, params = _filter_sql(filters)
    sql = (
        " FROM lifecycle_touchpointevent p JOIN kpis_ticketfact f ON f.ticket_id = ("
        "SELECT g.ticket_id FROM kpis_ticketfact g WHERE g.customer_id = p.customer_id AND NOT g.is_merged"
        f" AND g.solved_us IS NOT NULL AND g.solved_us < {t}"
        " ORDER BY g.solved_us DESC, g.ticket_id DESC LIMIT 1)"
        " WHERE p.type = 'purchase' AND p.occurred_at > %s AND p.occurred_at <= %s"
        f" AND {t} <= f.solved_us + %s AND f.solved_day BETWEEN %s AND %s{extra}"
    )
    return sql, [
        adapt(from_us(lo)),
        adapt(from_us(hi + span)),
        span,
        date_from.isoformat(),
        date_to.isoformat(),
        *params,
    ]


def _revenue_after_service(date_from, date_to, by, filters) -> list[dict]:
    source, params = _revenue_source(date_from, date_to, filters)
    amount = "COALESCE(p.value, 0)" if is_postgres() else "CAST(ROUND(COALESCE(p.value, 0) * 100) AS INTEGER)"
    group = " GROUP BY k" if by else ""
    rows = []
    for k, total in _fetch(f"SELECT {_key_sql(by)} AS k, SUM({amount}){source}{group}", params):
        value = Decimal(total or 0)
        rows.append({"key": k, "value": value if is_postgres() else value / 100})
    return _sorted(rows)


# ---- series, agents and drill-down for the dashboard ---------------------------------------------


def daily_counts(
    name: str, *, date_from: date, date_to: date, filters: dict, now: datetime
) -> dict[date, int]:
    """How many items of a ticket metric fall on each day (e.g. volume per creation day)."""
    spec = TICKET_METRICS[name]
    source, params = population(spec, date_from, date_to, filters, now)
    rows = _fetch(f"SELECT f.{spec.day} AS d, COUNT(*){source} GROUP BY d", params)
    found = {_day(d): n for d, n in rows}
    return {d: found.get(d, 0) for d in _days(date_from, date_to)}


def csat_by_day(*, date_from: date, date_to: date, filters: dict, now: datetime) -> dict[date, float | None]:
    spec = TICKET_METRICS["csat"]
    source, params = population(spec, date_from, date_to, filters, now)
    rows = _fetch(
        f"SELECT f.rating_day AS d, COUNT(*), SUM(CASE WHEN {spec.hit} THEN 1 ELSE 0 END){source} GROUP BY d",
        params,
    )
    found = {_day(d): _rate(hit, n)["rate"] for d, n, hit in rows}
    return {d: found.get(d) for d in _days(date_from, date_to)}


FRT_BUCKETS = (
    (0, "< 15 min"),
    (15 * 60, "15-60 min"),
    (3600, "1-4 h"),
    (4 * 3600, "4-24 h"),
    (86400, "> 24 h"),
)


def frt_distribution(
    *, date_from: date, date_to: date, filters: dict, now: datetime
) -> list[tuple[str, int]]:
    spec = TICKET_METRICS["first_response_time"]
    source, params = population(spec, date_from, date_to, filters, now)
    cases = " ".join(
        f"WHEN {spec.value} >= {lo * 1_000_000} THEN {i}"
        for i, (lo, _) in reversed(list(enumerate(FRT_BUCKETS)))
    )
    rows = dict(_fetch(f"SELECT CASE {cases} END AS b, COUNT(*){source} GROUP BY b", params))
    return [(label, int(rows.get(i, 0))) for i, (_, label) in enumerate(FRT_BUCKETS)]


def replies_by_author(*, date_from: date, date_to: date, filters: dict) -> dict[int, int]:
    """Public agent replies written on each day of the range, per author, on counted tickets."""
    lo, hi = day_bounds_us(date_from, date_to)
    from .dialect import from_us

    adapt = connection.ops.adapt_datetimefield_value
    extra, params = _filter_sql(filters)
    rows = _fetch(
        "SELECT m.author_id, COUNT(*) FROM tickets_message m"
        " JOIN kpis_ticketfact f ON f.ticket_id = m.ticket_id"
        " WHERE m.kind = 'public' AND m.sender = 'agent' AND m.author_id IS NOT NULL"
        f" AND m.created_at >= %s AND m.created_at < %s{extra} GROUP BY m.author_id",
        [adapt(from_us(lo)), adapt(from_us(hi)), *params],
    )
    return {author: int(n) for author, n in rows}


def agent_table(*, date_from: date, date_to: date, filters: dict, now: datetime) -> list[dict]:
    """Per agent: tickets solved, replies written, and FRT, resolution, CSAT, FCR of their tickets."""
    from django.contrib.auth import get_user_model

    args = {"date_from": date_from, "date_to": date_to, "by": "assignee", "filters": filters, "now": now}
    answers = metrics(["resolution_time", "first_response_time", "csat", "fcr"], **args)
    figures = {name: {r["key"]: r for r in answer["results"]} for name, answer in answers.items()}
    replies = replies_by_author(date_from=date_from, date_to=date_to, filters=filters)
    ids = (set(replies) | set().union(*(set(f) for f in figures.values()))) - {None}
    users = get_user_model().objects.in_bulk(list(ids))
    rows = []
    for pk in ids:
        user = users.get(pk)
        rows.append(
            {
                "agent_id": pk,
                "agent": (user.get_full_name() or user.get_username()) if user else f"#{pk}",
                "solved": figures["resolution_time"].get(pk, {}).get("count", 0),
                "replies": replies.get(pk, 0),
                "frt": figures["first_response_time"].get(pk),
                "resolution": figures["resolution_time"].get(pk),
                "csat": figures["csat"].get(pk),
                "fcr": figures["fcr"].get(pk),
            }
        )
    return sorted(rows, key=lambda r: (-r["solved"], -r["replies"], r["agent"]))


def drill_ids(
    name: str,
    *,
    date_from: date,
    date_to: date,
    filters: dict,
    now: datetime,
    part: str = "",
    day: date | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[str, int, list[int]]:
    """("tickets" or "customers", total, one page of ids) behind a figure.

    `part` narrows a rate to its numerator ("hit") or an SLA to "breached"; `day` picks one day of
    a per-day metric (backlog, stage_counts: then `filters` may name a `stage`).
    """
    if name in TICKET_METRICS:
        spec = TICKET_METRICS[name]
        source, params = population(spec, date_from, date_to, filters, now)
        cond = {"hit": spec.hit, "breached": spec.breached}.get(part, "")
        if cond:
            source += " AND " + cond.replace("%(now)s", str(us(now)))
        return "tickets", *_page("f.ticket_id", source, params, limit, offset)
    if name == "backlog":
        d = (day or date_to).isoformat()
        extra, params = _filter_sql(filters)
        source = (
            " FROM kpis_unsolvedspan s JOIN kpis_ticketfact f ON f.ticket_id = s.ticket_id"
            f" WHERE s.start_day <= %s AND (s.end_day IS NULL OR s.end_day > %s){extra}"
        )
        return "tickets", *_page("f.ticket_id", source, [d, d, *params], limit, offset)
    if name == "revenue_after_service":
        source, params = _revenue_source(date_from, date_to, filters)
        return "tickets", *_page("f.ticket_id", source, params, limit, offset, distinct=True)
    return "customers", *_customer_page(name, date_from, date_to, filters, part, day, limit, offset)


def _page(column: str, source: str, params: list, limit: int, offset: int, distinct: bool = False):
    pick = f"DISTINCT {column}" if distinct else column
    ((total,),) = _fetch(f"SELECT COUNT({pick}){source}", params)
    ids = [
        r[0]
        for r in _fetch(
            f"SELECT {pick} AS id{source} ORDER BY id DESC LIMIT %s OFFSET %s",
            [*params, limit, offset],
        )
    ]
    return int(total), ids


def _customer_page(name, date_from, date_to, filters, part, day, limit, offset):
    a, b = date_from.isoformat(), date_to.isoformat()
    if name in ("stage_counts", "loyal_share"):
        d = (day or date_to).isoformat()
        stages = (
            [filters["stage"]] if filters.get("stage") else (["loyalty"] if part == "hit" else list(PAYING))
        )
        marks = ",".join(["%s"] * len(stages))
        source = (
            f" FROM kpis_stagespan s WHERE s.stage IN ({marks})"
            " AND (s.start_day IS NULL OR s.start_day <= %s) AND (s.end_day IS NULL OR s.end_day > %s)"
        )
        return _page("s.customer_id", source, [*stages, d, d], limit, offset, distinct=True)
    if name in ("churn_rate", "retention_rate"):
        source = f" FROM ({_PAYING_AT_START}) p WHERE 1 = 1"
        params = [a, a]
        if part == "hit" and name == "churn_rate":
            source += (
                " AND EXISTS (SELECT 1 FROM kpis_stagespan c WHERE c.customer_id = p.customer_id"
                " AND c.stage = 'churned' AND c.start_day BETWEEN %s AND %s)"
            )
            params += [a, b]
        elif part == "hit":
            source += (
                " AND EXISTS (SELECT 1 FROM kpis_stagespan c WHERE c.customer_id = p.customer_id"
                f" AND c.stage IN ({', '.join(repr(s) for s in PAYING)})"
                " AND (c.start_day IS NULL OR c.start_day <= %s) AND (c.end_day IS NULL OR c.end_day > %s))"
            )
            params += [b, b]
        return _page("p.customer_id", source, params, limit, offset)
    # funnel: customers who entered `stage` (filters) in the range; part=hit: those who moved on.
    stage = filters.get("stage") or FIVE[0]
    source = f" FROM ({_FIRST_ENTRIES}) e WHERE e.rn = 1 AND e.stage = %s"
    params = [a, b, stage]
    if part == "hit":
        source += f" AND {_MOVED_ON}"
        params.append(window("KPI_FUNNEL_WINDOW_DAYS", 90))
    return _page("e.customer_id", source, params, limit, offset)
