"""What the manager dashboard shows, assembled from kpis.selectors (reads only).

Tiles compare the range with the previous period of the same length; every figure carries the
drill-down query that lists the tickets or customers behind it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.urls import reverse

from lifecycle.models import Stage
from tickets.models import Team

from . import selectors
from .forms import previous_period


@dataclass
class Tile:
    name: str
    label: str
    value: float | int | None
    previous: float | int | None
    unit: str  # count | seconds | rate
    drill: str
    extra: list[tuple[str, float | None]] = field(default_factory=list)
    lower_is_better: bool = False

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def trend(self) -> str:
        """good / bad / flat, for the colour of the change."""
        if not self.change:
            return "flat"
        return "good" if (self.change < 0) == self.lower_is_better else "bad"


def query_string(date_from: date, date_to: date, filters: dict, **extra) -> str:
    params = {"from": date_from.isoformat(), "to": date_to.isoformat()}
    for name, value in filters.items():
        params[name] = "none" if value is None else value
    params.update({k: v for k, v in extra.items() if v not in (None, "")})
    return urlencode(params)


def drill_url(name: str, date_from: date, date_to: date, filters: dict, **extra) -> str:
    return f"{reverse('kpis:drill', args=[name])}?{query_string(date_from, date_to, filters, **extra)}"


# name, label, figure, unit, part for the drill-down, lower is better
TILES = (
    ("volume", "Tickets created", "value", "count", "", False),
    ("first_response_time", "First response (median)", "median", "seconds", "", True),
    ("resolution_time", "Resolution time (median)", "median", "seconds", "", True),
    ("fcr", "First-contact resolution", "rate", "rate", "hit", False),
    ("reopen_rate", "Reopen rate", "rate", "rate", "hit", True),
    ("repeat_contact_rate", "Repeat contacts", "rate", "rate", "hit", True),
    ("csat", "CSAT (4-5 of 5)", "rate", "rate", "hit", False),
    ("sla_first_response", "SLA first response", "rate", "rate", "breached", False),
    ("sla_resolution", "SLA resolution", "rate", "rate", "breached", False),
    ("backlog", "Backlog (end of range)", "value", "count", "", True),
    ("churn_rate", "Churn", "rate", "rate", "hit", True),
    ("retention_rate", "Retention", "rate", "rate", "hit", False),
    ("loyal_share", "Loyal share", "rate", "rate", "hit", False),
)


METRIC_LABELS = {
    **{name: label for name, label, *_ in TILES},
    "unanswered": "Unanswered tickets",
    "stage_counts": "Customers in stage",
    "funnel": "Lifecycle funnel",
    "revenue_after_service": "Revenue after service",
}


def _headlines(date_from: date, date_to: date, filters: dict, now: datetime) -> dict[str, dict]:
    names = [name for name, *_ in TILES]
    sliceable = [n for n in names if n in selectors.SLICEABLE]
    answers = selectors.metrics(sliceable, date_from=date_from, date_to=date_to, filters=filters, now=now)
    answers.update(
        selectors.metrics(
            [n for n in names if n not in sliceable], date_from=date_from, date_to=date_to, now=now
        )
    )
    return {name: answer["results"][0] for name, answer in answers.items()}


def tiles(date_from: date, date_to: date, filters: dict, now: datetime) -> list[Tile]:
    prev_from, prev_to = previous_period(date_from, date_to)
    now_figures = _headlines(date_from, date_to, filters, now)
    before_figures = _headlines(prev_from, prev_to, filters, now)
    out = []
    for name, label, figure, unit, part, lower in TILES:
        current, before = now_figures[name], before_figures[name]
        sliceable = name in selectors.SLICEABLE
        tile = Tile(
            name=name,
            label=label,
            value=current.get(figure),
            previous=before.get(figure),
            unit=unit,
            drill=drill_url(name, date_from, date_to, filters if sliceable else {}, part=part),
            lower_is_better=lower,
        )
        if name == "first_response_time":
            tile.extra = [("p90", current["p90"]), ("count", current["count"])]
        elif unit == "rate":
            tile.extra = [("of", current["denominator"])]
        out.append(tile)
    return out


def charts(date_from: date, date_to: date, filters: dict, now: datetime) -> dict:
    """The data of every chart, ready for json_script."""
    args = {"date_from": date_from, "date_to": date_to, "filters": filters, "now": now}
    volume = selectors.daily_counts("volume", **args)
    backlog = selectors.metric("backlog", **args)["results"][0]["days"]
    csat = selectors.csat_by_day(**args)
    fcr = selectors.metric("fcr", by="channel", **args)["results"]
    funnel = selectors.metric("funnel", date_from=date_from, date_to=date_to, now=now)["results"]
    return {
        "days": [d.isoformat() for d in volume],
        "volume": list(volume.values()),
        "backlog": [d["value"] for d in backlog],
        "csat": [None if v is None else round(v * 100, 1) for v in csat.values()],
        "frt": [{"label": label, "count": n} for label, n in selectors.frt_distribution(**args)],
        "fcr_by_channel": [
            {"label": r["key"] or "none", "rate": None if r["rate"] is None else round(r["rate"] * 100, 1)}
            for r in fcr
        ],
        "funnel": [
            {
                "label": Stage(r["key"]).label,
                "entered": r["entered"],
                "moved_on": r["moved_on"],
                "drill_entered": drill_url("funnel", date_from, date_to, {"stage": r["key"]}),
                "drill_moved_on": drill_url("funnel", date_from, date_to, {"stage": r["key"]}, part="hit"),
            }
            for r in funnel
        ],
    }


STAGE_COLUMNS = (
    ("volume", "value", "Tickets"),
    ("first_response_time", "median", "FRT median"),
    ("resolution_time", "median", "Resolution median"),
    ("fcr", "rate", "FCR"),
    ("csat", "rate", "CSAT"),
    ("repeat_contact_rate", "rate", "Repeat contacts"),
)


def by_stage(date_from: date, date_to: date, filters: dict, now: datetime) -> list[dict]:
    """Ticket KPIs by the stage the customer was in when they wrote in."""
    rows: dict = {}
    answers = selectors.metrics(
        [name for name, _, _ in STAGE_COLUMNS],
        date_from=date_from,
        date_to=date_to,
        by="stage",
        filters=filters,
        now=now,
    )
    for name, figure, _ in STAGE_COLUMNS:
        for r in answers[name]["results"]:
            row = rows.setdefault(r["key"], {"key": r["key"], "label": _stage_label(r["key"]), "drill": {}})
            row[name] = r.get(figure)
            row["drill"][name] = drill_url(name, date_from, date_to, {**filters, "stage": r["key"]})
    order = [s.value for s in Stage] + [None]
    return sorted(rows.values(), key=lambda r: order.index(r["key"]) if r["key"] in order else 99)


def _stage_label(value: str | None) -> str:
    return Stage(value).label if value in Stage.values else "No stage"


def filter_choices() -> dict:
    agents = get_user_model().objects.filter(groups__name__in=["agent", "manager", "admin", "qa_reviewer"])
    return {
        "teams": list(Team.objects.values_list("pk", "name")),
        "agents": [
            (u.pk, u.get_full_name() or u.get_username()) for u in agents.distinct().order_by("username")
        ],
    }
