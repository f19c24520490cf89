"""The dashboard's figures, cached per question and per version of the KPI tables.

Every pipeline run that writes bumps the version in the same transaction, so a cached answer is
never older than the tables; it also expires after FRESH_SECONDS because a few figures depend on
the time of the question (an unanswered ticket breaches its SLA as time passes).
"""

from __future__ import annotations

from datetime import date, datetime

from django.core.cache import cache

from . import dashboard as board
from . import exports, selectors

FRESH_SECONDS = 60


def dashboard_figures(date_from: date, date_to: date, filters: dict, now: datetime) -> dict:
    """Tiles, charts, the stage table and the agent table of one range and set of filters."""
    flt = ",".join(f"{k}={'none' if v is None else v}" for k, v in sorted(filters.items()))
    key = f"kpis:dashboard:{selectors.tables_version()}:{date_from}:{date_to}:{flt}"
    figures = cache.get(key)
    if figures is None:
        args = (date_from, date_to, filters, now)
        with selectors.shared_answers():
            figures = {
                "tiles": board.tiles(*args),
                "charts": board.charts(*args),
                "stages": board.by_stage(*args),
                "agents": exports.agent_rows(*args),
            }
        cache.set(key, figures, FRESH_SECONDS)
    return figures
