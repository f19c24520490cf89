"""The per-customer KPI tables: stage spans and their daily rollup, for a scope of customers or all.

One window pass over the live stage history gives every span with what the customer metrics
look up ahead of it: the previous entry into the same stage (funnel: first entry in a range),
whether a later stage of the five followed within the funnel window (`moved_on`), and for paying
spans the day the paying run ended, the day the customer paid again after it and the day of the
next entry into churned.
"""

from datetime import timedelta

from django.conf import settings

from ..dialect import local_day, to_us
from .sql import CUSTOMER_SCOPE, in_customer_scope, run

PAYING_SQL = "('conversion', 'retention', 'loyalty')"
STAGE_RANK_SQL = (
    "CASE {col} WHEN 'reach' THEN 0 WHEN 'acquisition' THEN 1 WHEN 'conversion' THEN 2"
    " WHEN 'retention' THEN 3 WHEN 'loyalty' THEN 4 END"
)
COLUMNS = (
    "customer_id, stage, stage_rank, change_id, start_us, end_us, start_day, end_day,"
    " prev_entry_day, moved_on, run_end_day, rejoin_day, churn_day"
)
# Spans with no start (before a customer's first change) count from this day on.
NO_START_DAY = "0001-01-01"


def funnel_window_us() -> int:
    return int(timedelta(days=getattr(settings, "KPI_FUNNEL_WINDOW_DAYS", 90)).total_seconds()) * 1_000_000


def scope_clear() -> None:
    """Start with an empty scope: the last run emptied it already (empty_counting), so this
    DELETE normally finds nothing and leaves nothing for the planner to count."""
    run("DELETE FROM kpis_workcustomer")


def scope_add(select_ids_sql: str, params: list | tuple = ()) -> None:
    run(
        f"INSERT INTO kpis_workcustomer (customer_id) SELECT DISTINCT x.id FROM ({select_ids_sql}) x"
        " WHERE x.id IS NOT NULL"
        " AND NOT EXISTS (SELECT 1 FROM kpis_workcustomer w WHERE w.customer_id = x.id)",
        params,
    )


def _spans(full: bool) -> str:
    """Every span of the scope's customers, in order (`pos`), with its look-ahead columns."""
    changes = (
        f"SELECT customer_id, id, from_stage, to_stage, {to_us('occurred_at')} AS at_us,"
        " ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY occurred_at, id) AS pos,"
        f" LEAD({to_us('occurred_at')}) OVER (PARTITION BY customer_id ORDER BY occurred_at, id) AS next_us"
        " FROM lifecycle_stagechange"
        f" WHERE superseded_at IS NULL AND {in_customer_scope('customer_id', full)}"
    )
    spans = (
        "SELECT customer_id, from_stage AS stage, NULL AS change_id, NULL AS start_us, at_us AS end_us,"
        f" 0 AS pos FROM ({changes}) c WHERE pos = 1 AND from_stage IS NOT NULL"
        f" UNION ALL SELECT customer_id, to_stage, id, at_us, next_us, pos FROM ({changes}) c"
    )
    ahead = "PARTITION BY customer_id ORDER BY pos ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING"
    rank = STAGE_RANK_SQL.format(col="stage")
    later = ", ".join(
        f"MIN(CASE WHEN {rank} > {r} THEN start_us END) OVER ({ahead}) AS later_{r}" for r in range(4)
    )
    paying = f"stage IN {PAYING_SQL}"
    run_start = f"{paying} AND (prev_stage IS NULL OR prev_stage NOT IN {PAYING_SQL})"
    return (
        f"SELECT s.*, {rank} AS stage_rank,"
        " LAG(start_us) OVER (PARTITION BY customer_id, stage ORDER BY pos) AS prev_entry_us,"
        f" MIN(CASE WHEN {paying} THEN NULL ELSE start_us END) OVER ({ahead}) AS run_end_us,"
        f" MIN(CASE WHEN {run_start} THEN start_us END) OVER ({ahead}) AS rejoin_us,"
        f" MIN(CASE WHEN stage = 'churned' THEN start_us END) OVER ({ahead}) AS churn_us, {later}"
        " FROM (SELECT u.*, LAG(stage) OVER (PARTITION BY customer_id ORDER BY pos) AS prev_stage"
        f" FROM ({spans}) u) s"
    )


def rebuild_stage_spans(*, full: bool) -> None:
    """The stage spans of the scope's customers (or everyone's) from their live stage history."""
    if not full:
        run(f"DELETE FROM kpis_stagespan WHERE customer_id IN {CUSTOMER_SCOPE}")
    later = "CASE x.stage_rank " + " ".join(f"WHEN {r} THEN x.later_{r}" for r in range(4)) + " END"
    entry = "x.change_id IS NOT NULL AND x.stage_rank IS NOT NULL"
    moved_on = f"{entry} AND {later} <= x.start_us + {funnel_window_us()}"
    paying = f"x.stage IN {PAYING_SQL}"
    run(
        f"INSERT INTO kpis_stagespan ({COLUMNS}) SELECT x.customer_id, x.stage, x.stage_rank, x.change_id,"
        f" x.start_us, x.end_us, {local_day('x.start_us')}, {local_day('x.end_us')},"
        f" {local_day('x.prev_entry_us')},"
        f" COALESCE({moved_on}, FALSE),"
        f" CASE WHEN {paying} THEN {local_day('x.run_end_us')} END,"
        f" CASE WHEN {paying} THEN {local_day('x.rejoin_us')} END,"
        f" CASE WHEN {paying} THEN {local_day('x.churn_us')} END"
        f" FROM ({_spans(full)}) x",
        prepare=not full,
    )


# ---- the daily rollup ----------------------------------------------------------------------------


def _stage_sums(full: bool, sign: str = "") -> str:
    scope = in_customer_scope("s.customer_id", full)
    return (
        f"SELECT x.day, x.stage, SUM({sign}x.delta) AS delta FROM ("
        f"SELECT COALESCE(s.start_day, '{NO_START_DAY}') AS day, s.stage, 1 AS delta FROM kpis_stagespan s"
        f" WHERE {scope} UNION ALL SELECT s.end_day, s.stage, -1 FROM kpis_stagespan s"
        f" WHERE s.end_day IS NOT NULL AND {scope}) x GROUP BY x.day, x.stage"
    )


def build_stage_rollup() -> None:
    run(f"INSERT INTO kpis_stagerollup (day, stage, delta) {_stage_sums(True)}")


def subtract_scope() -> None:
    _add("-")


def add_scope() -> None:
    _add("")


def _add(sign: str) -> None:
    run(
        f"INSERT INTO kpis_stagerollup (day, stage, delta) SELECT * FROM ({_stage_sums(False, sign)}) r"
        " WHERE 1 = 1 ON CONFLICT (day, stage) DO UPDATE SET delta = kpis_stagerollup.delta + excluded.delta",
        prepare=True,
    )
