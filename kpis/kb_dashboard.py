"""The dashboard's "Self-service" section: help-center tiles compared with the previous period,
the top searches without a result and the most viewed articles, their full lists and CSV rows.

Every figure comes from kpis/kb_metrics.py or kb.insights, so the dashboard, its lists, the
CSV files and the KPI API agree. Ticket filters do not apply to help-center figures.
"""

from __future__ import annotations

from datetime import date

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.urls import reverse
from django.utils import timezone

from kb import insights

from .dashboard import Tile, query_string
from .forms import previous_period
from .kb_metrics import kb_headline

TOP = 10
FRESH_SECONDS = 60
PAGE_SIZE = 50
CSV_LIMIT = 100_000
CSV_BATCH = 2_000
TABLES = ("self_service", "kb_searches", "kb_articles")

# name, label, figure, unit, lower is better, the list behind it (URL name, extra parameters)
TILES = (
    ("article_views", "Article views", "value", "count", False, ("kpis:kb_articles", {"order": "views"})),
    ("helpful_ratio", "Found helpful", "rate", "rate", False, ("kpis:kb_articles", {"order": "unhelpful"})),
    (
        "deflection_rate",
        "Deflection rate",
        "rate",
        "rate",
        False,
        ("kpis:kb_articles", {"order": "deflected"}),
    ),
    (
        "searches_without_result",
        "Searches without a result",
        "value",
        "count",
        True,
        ("kpis:kb_searches", {}),
    ),
)
# What each tile's "of N" counts, from its result row.
OUT_OF = {
    "helpful_ratio": ("denominator", "votes"),
    "deflection_rate": ("denominator", "requests with an outcome"),
    "searches_without_result": ("searches", "searches"),
}
# order: the list's heading, its tab
ORDERS = {
    "views": ("Most viewed articles", "Views"),
    "unhelpful": ("Articles with the most “not helpful” votes", "“Not helpful” votes"),
    "deflected": ("Articles that deflected the most requests", "Deflected requests"),
}


def list_url(name: str, date_from: date, date_to: date, **extra) -> str:
    return f"{reverse(name)}?{query_string(date_from, date_to, {}, **extra)}"


def tiles(date_from: date, date_to: date) -> list[Tile]:
    answers = _headlines(date_from, date_to)
    before = _headlines(*previous_period(date_from, date_to))
    out = []
    for name, label, figure, unit, lower, (url_name, extra) in TILES:
        current = answers[name]
        tile = Tile(
            name=name,
            label=label,
            value=current[figure],
            previous=before[name][figure],
            unit=unit,
            drill=list_url(url_name, date_from, date_to, **extra),
            lower_is_better=lower,
        )
        if name in OUT_OF:
            field, noun = OUT_OF[name]
            tile.extra = [(noun, current[field])]
        out.append(tile)
    return out


def _headlines(date_from: date, date_to: date) -> dict[str, dict]:
    return {name: kb_headline(name, date_from=date_from, date_to=date_to) for name, *_ in TILES}


def section(date_from: date, date_to: date) -> dict:
    """Everything the section shows, for the dashboard's range, at most FRESH_SECONDS old.

    The help center writes its counters on every view, vote and search, so there is no version to
    key on as the ticket figures have; ten queries per dashboard view were a third of its server
    time, and a minute's delay is what the dashboard promises anyway. `as_of` says when.
    """
    key = f"kpis:self-service:{date_from}:{date_to}"
    found = cache.get(key)
    if found is None:
        found = {**_section(date_from, date_to), "as_of": timezone.now()}
        cache.set(key, found, FRESH_SECONDS)
    return found


def _section(date_from: date, date_to: date) -> dict:
    return {
        "tiles": tiles(date_from, date_to),
        "failed_searches": insights.kb_failed_searches(date_from=date_from, date_to=date_to, limit=TOP),
        "top_articles": insights.kb_article_table(date_from=date_from, date_to=date_to, limit=TOP),
        "searches_url": list_url("kpis:kb_searches", date_from, date_to),
        "articles_url": list_url("kpis:kb_articles", date_from, date_to, order="views"),
        "query_string": query_string(date_from, date_to, {}),
    }


def search_page(date_from: date, date_to: date, page_number: int) -> tuple[Page, list]:
    """One page of the queries that found nothing in the range, most frequent first."""
    span = {"date_from": date_from, "date_to": date_to}
    page = Paginator(range(insights.kb_failed_search_count(**span)), PAGE_SIZE).get_page(page_number)
    return page, insights.kb_failed_searches(**span, limit=PAGE_SIZE, offset=(page.number - 1) * PAGE_SIZE)


def article_page(date_from: date, date_to: date, order: str, page_number: int) -> tuple[Page, list]:
    """One page of the articles ranked by `order` (views, unhelpful or deflected)."""
    span = {"date_from": date_from, "date_to": date_to, "order": order}
    page = Paginator(range(insights.kb_article_table_count(**span)), PAGE_SIZE).get_page(page_number)
    return page, insights.kb_article_table(**span, limit=PAGE_SIZE, offset=(page.number - 1) * PAGE_SIZE)


def table_rows(table: str, date_from: date, date_to: date, order: str = "views") -> tuple[list, list]:
    """A CSV's header and rows (unrounded figures; the view makes the cells formula-safe)."""
    span = {"date_from": date_from, "date_to": date_to}
    if table == "self_service":
        return ["metric", "label", "value", "previous", "change", "unit"], [
            [t.name, t.label, t.value, t.previous, t.change, t.unit] for t in tiles(date_from, date_to)
        ]
    if table == "kb_searches":
        rows = insights.kb_failed_searches(**span, limit=CSV_LIMIT)
        return ["query", "searches_without_result"], [[r.query, r.count] for r in rows]
    return (
        ["article_id", "title", "category", "views", "helpful_votes", "votes", "helpful_ratio", "deflected"],
        [
            [r.article_id, r.title, r.category, r.views, r.helpful, r.votes, r.ratio, r.deflected]
            for r in _every_article(span, order)
        ],
    )


def _every_article(span: dict, order: str):
    """Every ranked article, a few thousand at a time (each page's ids go into an IN list)."""
    for offset in range(0, CSV_LIMIT, CSV_BATCH):
        rows = insights.kb_article_table(**span, order=order, limit=CSV_BATCH, offset=offset)
        yield from rows
        if len(rows) < CSV_BATCH:
            return
