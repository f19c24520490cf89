"""The dashboard's tables as rows (for the page and for CSV), and the drill-down pages."""

from __future__ import annotations

from datetime import date, datetime

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from lifecycle.models import Customer
from tickets.models import Ticket

from . import dashboard as board
from . import selectors

PAGE_SIZE = 50
TABLES = ("tiles", "agents", "stages", "daily", "funnel", "fcr_by_channel", "drill")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A CSV cell a spreadsheet will not run as a formula (OWASP: prefix a quote)."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def agent_rows(date_from: date, date_to: date, filters: dict, now: datetime) -> list[dict]:
    rows = selectors.agent_table(date_from=date_from, date_to=date_to, filters=filters, now=now)
    for row in rows:
        mine = {**filters, "assignee": row["agent_id"]}
        row["drill_solved"] = board.drill_url("resolution_time", date_from, date_to, mine)
        row["drill_frt"] = board.drill_url("first_response_time", date_from, date_to, mine)
        row["drill_csat"] = board.drill_url("csat", date_from, date_to, mine)
        row["drill_fcr"] = board.drill_url("fcr", date_from, date_to, mine, part="hit")
    return rows


def _ticket_url(ticket: Ticket) -> str | None:
    try:
        return reverse("tickets:detail", args=[ticket.reference])
    except NoReverseMatch:
        return None


def drill_page(name: str, query: dict, *, page_number: int) -> dict:
    day = date.fromisoformat(query["day"]) if query["day"] else None
    page_number = max(page_number, 1)
    kind, total, ids = selectors.drill_ids(
        name,
        date_from=query["date_from"],
        date_to=query["date_to"],
        filters=query["filters"],
        now=timezone.now(),
        part=query["part"],
        day=day,
        limit=PAGE_SIZE,
        offset=(page_number - 1) * PAGE_SIZE,
    )
    if kind == "tickets":
        found = Ticket.objects.select_related("customer", "assignee", "team").in_bulk(ids)
        items = [{"object": found[pk], "url": _ticket_url(found[pk])} for pk in ids if pk in found]
    else:
        found = Customer.objects.in_bulk(ids)
        items = [{"object": found[pk], "url": None} for pk in ids if pk in found]
    return {"kind": kind, "total": total, "items": items, "number": page_number}


def _fmt(value):
    return "" if value is None else value


def table_rows(table: str, query: dict, *, now: datetime, metric: str = "") -> tuple[list[str], list[list]]:
    args = (query["date_from"], query["date_to"], query["filters"], now)
    if table == "tiles":
        return ["metric", "label", "value", "previous", "change", "unit"], [
            [t.name, t.label, _fmt(t.value), _fmt(t.previous), _fmt(t.change), t.unit]
            for t in board.tiles(*args)
        ]
    if table == "agents":
        return (
            ["agent", "solved", "replies", "frt_median_s", "resolution_median_s", "csat_rate", "fcr_rate"],
            [
                [
                    r["agent"],
                    r["solved"],
                    r["replies"],
                    _fmt((r["frt"] or {}).get("median")),
                    _fmt((r["resolution"] or {}).get("median")),
                    _fmt((r["csat"] or {}).get("rate")),
                    _fmt((r["fcr"] or {}).get("rate")),
                ]
                for r in agent_rows(*args)
            ],
        )
    if table == "stages":
        names = [name for name, _, _ in board.STAGE_COLUMNS]
        return ["stage_at_open", *names], [
            [r["label"], *[_fmt(r.get(n)) for n in names]] for r in board.by_stage(*args)
        ]
    if table == "daily":
        charts = board.charts(*args)
        return ["day", "volume", "backlog", "csat_percent"], [
            [d, v, b, _fmt(c)]
            for d, v, b, c in zip(
                charts["days"], charts["volume"], charts["backlog"], charts["csat"], strict=True
            )
        ]
    if table == "funnel":
        charts = board.charts(*args)
        return ["stage", "entered", "moved_on"], [
            [f["label"], f["entered"], f["moved_on"]] for f in charts["funnel"]
        ]
    if table == "fcr_by_channel":
        rows = selectors.metric(
            "fcr", date_from=args[0], date_to=args[1], by="channel", filters=args[2], now=now
        )
        return ["channel", "numerator", "denominator", "rate"], [
            [r["key"] or "none", r["numerator"], r["denominator"], _fmt(r["rate"])] for r in rows["results"]
        ]
    return _drill_rows(metric, query, now)


def _drill_rows(metric: str, query: dict, now: datetime) -> tuple[list[str], list[list]]:
    day = date.fromisoformat(query["day"]) if query.get("day") else None
    kind, _total, ids = selectors.drill_ids(
        metric,
        date_from=query["date_from"],
        date_to=query["date_to"],
        filters=query["filters"],
        now=now,
        part=query["part"],
        day=day,
        limit=100_000,
    )
    if kind == "tickets":
        found = Ticket.objects.select_related("customer", "assignee").in_bulk(ids)
        return ["ticket", "subject", "status", "created_at", "customer", "assignee"], [
            [
                t.reference,
                t.subject,
                t.status,
                t.created_at.isoformat(),
                str(t.customer),
                str(t.assignee or ""),
            ]
            for t in (found[pk] for pk in ids if pk in found)
        ]
    found = Customer.objects.in_bulk(ids)
    return ["customer_id", "name", "stage"], [
        [c.pk, str(c), c.stage or ""] for c in (found[pk] for pk in ids if pk in found)
    ]
