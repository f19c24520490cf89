"""Every metric of shared/KPIS.md, answered from the precomputed tables in the "API shape".

`metric(name, date_from=, date_to=, by=, filters=, now=)` is the one entry point the API, the
dashboard and the CSV exports use; `drill_ids()` lists the exact tickets or customers behind a
figure with the same population SQL, so a number and its drill-down cannot disagree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.utils import timezone

from . import rollups
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
# The rollup measures of each ticket metric, laid out as _figure() reads them: the population
# count first (a key appears when it is not zero).
ROLLUP_MEASURES = {
    "volume": ("volume",),
    "first_response_time": ("frt_n", "frt_sum"),
    "unanswered": ("unanswered",),
    "resolution_time": ("solved", "resolution_sum"),
    "fcr": ("fcr_n", "fcr_hit"),
    "reopen_rate": ("solved", "reopened"),
    "repeat_contact_rate": ("inbound", "repeat"),
    "csat": ("ratings", "ratings_good", "rating_sum"),
    "sla_first_response": ("slafr_n", "slafr_ok", "slafr_late"),
    "sla_resolution": ("slares_n", "slares_ok", "slares_late"),
}
# Tickets not answered / not solved yet: whether they breached depends on "now", so the facts
# (through a small partial index) say how many had by then.
SLA_PENDING = {
    "sla_first_response": (
        "f.first_reply_us IS NULL AND f.inbound AND NOT f.is_merged AND f.first_response_due_us IS NOT NULL",
        "f.first_response_due_us",
    ),
    "sla_resolution": (
        "NOT f.is_solved AND NOT f.is_merged AND f.resolution_due_us IS NOT NULL",
        "f.resolution_due_us",
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


_shared: ContextVar[dict | None] = ContextVar("kpis_shared_answers", default=None)


@contextmanager
def shared_answers() -> Iterator[None]:
    """Within the block the same question is answered once (a dashboard asks a few twice)."""
    token = _shared.set({})
    try:
        yield
    finally:
        _shared.reset(token)


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
    shared = _shared.get()
    if shared is None:
        return _metrics(names, date_from, date_to, by, filters, now)
    question = (date_from, date_to, by, tuple(sorted(filters.items())), now)
    missing = [name for name in names if (name, *question) not in shared]
    if missing:
        for name, answer in _metrics(missing, date_from, date_to, by, filters, now).items():
            shared[(name, *question)] = answer
    return {name: shared[(name, *question)] for name in names}


def _metrics(names, date_from, date_to, by, filters, now) -> dict[str, dict]:
    rows = _ticket_metrics([n for n in names if n in TICKET_METRICS], date_from, date_to, by, filters, now)
    if "churn_rate" in names and "retention_rate" in names:
        rows.update(_churn_and_retention(date_from, date_to))
    for name in names:
        if name not in rows:
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
    if names and rollups.slice_of(by, filters) is not None:
        return _from_rollups(names, date_from, date_to, by, filters, now)
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


def _from_rollups(names, date_from, date_to, by, filters, now) -> dict[str, list[dict]]:
    """Ticket metrics of a slice the rollups hold: one sum over them, plus medians and SLA breaches."""
    measures = sorted({m for name in names for m in ROLLUP_MEASURES[name]})
    sums = rollups.ticket_sums(measures, date_from, date_to, by, filters)
    sla = [n for n in names if n in SLA_PENDING]
    pending = _sla_breached_by_now(sla, date_from, date_to, by, filters, now)
    durations = [n for n in names if TICKET_METRICS[n].kind == "duration"]
    quantiles = rollups.percentiles(durations, date_from, date_to, by, filters, _filter_sql)
    out = {}
    for name in names:
        spec = TICKET_METRICS[name]
        rows = []
        for k, found in sums.items():
            v = [found[m] for m in ROLLUP_MEASURES[name]]
            if by and not v[0]:
                continue  # no item of this metric's population has this key
            if spec.kind == "duration":
                v += list(quantiles[name].get(k) or (0, 0))
            if spec.kind == "sla":
                v[2] += pending.get(name, {}).get(k, 0)
            rows.append({"key": k, **_figure(spec.kind, v)})
        if not by and not rows:
            rows.append({"key": None, **_figure(spec.kind, [0] * (4 if spec.kind == "duration" else 3))})
        out[name] = _sorted(rows)
    return out


def _sla_breached_by_now(names, date_from, date_to, by, filters, now) -> dict[str, dict]:
    """{metric: {key: tickets not answered / solved yet whose due time is before now}}."""
    if not names:
        return {}
    extra, params = _filter_sql(filters)
    parts, values = [], []
    for i, name in enumerate(names):
        population, due = SLA_PENDING[name]
        parts.append(
            f"SELECT {_key_sql(by)} AS k, {i} AS m FROM kpis_ticketfact f WHERE {population}"
            f" AND f.created_day BETWEEN %s AND %s AND {due} < %s{extra}"
        )
        values += [date_from.isoformat(), date_to.isoformat(), us(now), *params]
    out: dict[str, dict] = {name: {} for name in names}
    union = " UNION ALL ".join(parts)
    for k, m, n in _fetch(f"SELECT k, m, COUNT(*) FROM ({union}) x GROUP BY k, m", values):
        out[names[m]][k] = int(n)
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
    """{key: {day: count}} of spans [start, end) covering the end of each day in the range.

    One scan: the spans covering some day's end in the range, counted per (key, first day they
    cover in the range, day they end); the days in between are filled in here.
    """
    a, b = date_from.isoformat(), date_to.isoformat()
    # A span that starts and ends on the same day covers no day's end.
    first = "CASE WHEN s.start_day IS NULL OR s.start_day < %s THEN %s ELSE s.start_day END"
    rows = _fetch(
        f"SELECT {key} AS k, {first} AS d, s.end_day, COUNT(*) FROM {table_sql}"
        " WHERE (s.end_day IS NULL OR s.end_day > %s) AND (s.start_day IS NULL OR s.start_day <= %s)"
        f" AND (s.end_day IS NULL OR s.start_day IS NULL OR s.end_day > s.start_day){extra}"
        " GROUP BY k, d, s.end_day",
        [a, a, a, b, *params],
    )
    delta: dict = defaultdict(lambda: defaultdict(int))
    for k, d, end, n in rows:
        delta[k][_day(d)] += n
        if end is not None:
            delta[k][_day(end)] -= n
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
    if rollups.slice_of(by, filters) is not None:
        return _backlog_from_rollups(date_from, date_to, by, filters)
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


def _backlog_from_rollups(date_from, date_to, by, filters) -> list[dict]:
    before, changes = rollups.backlog_changes(date_from, date_to, by, filters)
    per_key = {}
    for k in set(before) | set(changes):
        level, series = before.get(k, 0), {}
        for d in _days(date_from, date_to):
            level += changes.get(k, {}).get(d, 0)
            series[d] = level
        if any(series.values()):
            per_key[k] = series
    keys = set(per_key) | ({None} if not by else set())
    return _sorted(_series_rows(per_key, date_from, date_to, keys))


def _stage_series(date_from, date_to) -> dict:
    """{stage: {day: customers in it at the end of the day}} from the stage rollup."""
    rows = _fetch(
        "SELECT stage, day, SUM(delta) FROM kpis_stagerollup WHERE day BETWEEN %s AND %s GROUP BY stage, day"
        " UNION ALL SELECT stage, NULL, SUM(delta) FROM kpis_stagerollup WHERE day < %s GROUP BY stage",
        [date_from.isoformat(), date_to.isoformat(), date_from.isoformat()],
    )
    before: dict = defaultdict(int)
    changes: dict = defaultdict(lambda: defaultdict(int))
    for stage, d, n in rows:
        if d is None:
            before[stage] += int(n)
        else:
            changes[stage][_day(d)] += int(n)
    out = {}
    for stage in set(before) | set(changes):
        level, series = before.get(stage, 0), {}
        for d in _days(date_from, date_to):
            level += changes[stage].get(d, 0)
            series[d] = level
        out[stage] = series
    return out


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


# The customers paying at the start of day a: the one paying span of each that covers that instant
# (as two index range scans: spans still open, and spans that end on day a or later).
_PAYING_SPAN = (
    "s.stage IN ('conversion', 'retention', 'loyalty') AND (s.start_day IS NULL OR s.start_day < %s)"
)
_PAYING_COLUMNS = "s.customer_id, s.run_end_day, s.rejoin_day, s.churn_day"
_PAYING_AT_START = (
    f"SELECT {_PAYING_COLUMNS} FROM kpis_stagespan s WHERE {_PAYING_SPAN} AND s.end_day IS NULL"
    f" UNION ALL SELECT {_PAYING_COLUMNS} FROM kpis_stagespan s WHERE {_PAYING_SPAN} AND s.end_day >= %s"
)
# …who entered churned during [a, b] (the first churned entry after that span is the first one in
# the range, if any)…
_CHURNED = "p.churn_day <= %s"
# …and who are paying at the end of day b: without a break, or again after one (then look).
_KEPT = (
    "(CASE WHEN p.run_end_day IS NULL OR p.run_end_day > %s THEN 1"
    " WHEN p.rejoin_day <= %s AND EXISTS (SELECT 1 FROM kpis_stagespan q"
    " WHERE q.customer_id = p.customer_id AND q.stage IN ('conversion', 'retention', 'loyalty')"
    " AND (q.start_day IS NULL OR q.start_day <= %s) AND (q.end_day IS NULL OR q.end_day > %s)) THEN 1"
    " ELSE 0 END) = 1"
)


def _paying_params(date_from) -> list[str]:
    a = date_from.isoformat()
    return [a, a, a]


def _churn_and_retention(date_from, date_to) -> dict[str, list[dict]]:
    """Both rates share their denominator (the customers paying at the start): one scan."""
    b = date_to.isoformat()
    ((total, churned, kept),) = _fetch(
        f"SELECT COUNT(*), SUM(CASE WHEN {_CHURNED} THEN 1 ELSE 0 END),"
        f" SUM(CASE WHEN {_KEPT} THEN 1 ELSE 0 END) FROM ({_PAYING_AT_START}) p",
        [b, b, b, b, b, *_paying_params(date_from)],
    )
    return {
        "churn_rate": [{"key": None, **_rate(churned, total)}],
        "retention_rate": [{"key": None, **_rate(kept, total)}],
    }


def _churn_rate(date_from, date_to, by, filters) -> list[dict]:
    return _churn_and_retention(date_from, date_to)["churn_rate"]


def _retention_rate(date_from, date_to, by, filters) -> list[dict]:
    return _churn_and_retention(date_from, date_to)["retention_rate"]


# Entries into one of the five stages during [a, b], each customer's first one per stage.
_FIRST_ENTRIES = (
    "SELECT s.customer_id, s.stage, s.moved_on FROM kpis_stagespan s"
    " WHERE s.change_id IS NOT NULL AND s.stage_rank IS NOT NULL AND s.start_day BETWEEN %s AND %s"
    " AND (s.prev_entry_day IS NULL OR s.prev_entry_day < %s)"
)


def _funnel(date_from, date_to, by, filters) -> list[dict]:
    a, b = date_from.isoformat(), date_to.isoformat()
    found = {
        stage: (entered, moved)
        for stage, entered, moved in _fetch(
            "SELECT e.stage, COUNT(*), SUM(CASE WHEN e.moved_on THEN 1 ELSE 0 END)"
            f" FROM ({_FIRST_ENTRIES}) e GROUP BY e.stage",
            [a, b, a],
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


def tables_version() -> int:
    """Changes whenever the pipeline writes the KPI tables (see kpis.models.KpiVersion)."""
    from .models import KpiVersion

    return KpiVersion.objects.filter(pk=1).values_list("version", flat=True).first() or 0


# ---- series, agents and drill-down for the dashboard ---------------------------------------------


def daily_counts(
    name: str, *, date_from: date, date_to: date, filters: dict, now: datetime
) -> dict[date, int]:
    """How many items of a ticket metric fall on each day (e.g. volume per creation day)."""
    if rollups.slice_of(None, filters) is not None:
        counted = ROLLUP_MEASURES[name][0]
        sums = rollups.daily_sums([counted], date_from, date_to, filters)
        return {d: sums.get(d, {}).get(counted, 0) for d in _days(date_from, date_to)}
    spec = TICKET_METRICS[name]
    source, params = population(spec, date_from, date_to, filters, now)
    rows = _fetch(f"SELECT f.{spec.day} AS d, COUNT(*){source} GROUP BY d", params)
    found = {_day(d): n for d, n in rows}
    return {d: found.get(d, 0) for d in _days(date_from, date_to)}


def csat_by_day(*, date_from: date, date_to: date, filters: dict, now: datetime) -> dict[date, float | None]:
    if rollups.slice_of(None, filters) is not None:
        sums = rollups.daily_sums(["ratings", "ratings_good"], date_from, date_to, filters)
        return {
            d: _rate(sums[d]["ratings_good"], sums[d]["ratings"])["rate"] if d in sums else None
            for d in _days(date_from, date_to)
        }
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
    if rollups.slice_of(None, filters) is not None:
        names = [f"frt_b{i}" for i in range(len(FRT_BUCKETS))]
        found = rollups.ticket_sums(names, date_from, date_to, None, filters).get(None, {})
        return [(label, found.get(n, 0)) for n, (_, label) in zip(names, FRT_BUCKETS, strict=True)]
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
    if not filters:
        return rollups.replies_by_author(date_from, date_to)
    extra, params = _filter_sql(filters)
    rows = _fetch(
        "SELECT d.author_id, SUM(d.replies) FROM kpis_ticketreplyday d"
        " JOIN kpis_ticketfact f ON f.ticket_id = d.ticket_id"
        f" WHERE d.author_id IS NOT NULL AND d.day BETWEEN %s AND %s{extra} GROUP BY d.author_id",
        [date_from.isoformat(), date_to.isoformat(), *params],
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
        params = _paying_params(date_from)
        if part == "hit" and name == "churn_rate":
            source += f" AND {_CHURNED}"
            params.append(b)
        elif part == "hit":
            source += f" AND {_KEPT}"
            params += [b, b, b, b]
        return _page("p.customer_id", source, params, limit, offset)
    # funnel: customers who entered `stage` (filters) in the range; part=hit: those who moved on.
    stage = filters.get("stage") or FIVE[0]
    source = f" FROM ({_FIRST_ENTRIES}) e WHERE e.stage = %s"
    params = [a, b, a, stage]
    if part == "hit":
        source += " AND e.moved_on"
    return _page("e.customer_id", source, params, limit, offset)
