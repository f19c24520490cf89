"""The help center's (self-service) KPIs in the KPI API's shape, read through kb.insights.

shared/KPIS.md has no knowledge-base metrics; these are the definitions the dashboard, the API
and the CSV exports share. Days are local days and `[from, to]` includes both; figures are read
as of now (a ticket submitted later turns a deflected request into a submitted one).

- `article_views`: views of public help-center article pages on the days of the range → `value`.
  By or filtered by `category`, `article`.
- `helpful_ratio`: "was this helpful?" votes cast in the range → `numerator` the "yes" votes,
  `denominator` all votes, `rate`. By or filtered by `category`, `article`.
- `searches_without_result`: help-center searches (of a normalised query) on the days of the
  range → `value` those that found no article, `searches` all of them, and `queries`: the 100
  most frequent queries without a result, `[{query, count}]`, most frequent first (ties by
  query). By or filtered by `language`.
- `deflection_rate`: portal sessions first shown article suggestions in the range → `numerator`
  the deflected ones (opened a suggested article and submitted no ticket), `denominator` those
  plus the ones that submitted a ticket, `rate`. Sessions with neither outcome are left out.
  No dimensions.

`category` and `article` are the article's current category id and the article id; results keyed
by them carry a `label` (the category name, the article's title in the default language).
`language` is the help-center language the visitor searched in. A dimension a metric does not
have answers 400.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings

from kb import insights
from kb.languages import normalise
from kb.models import ArticleTranslation, Category

from .selectors import DIMENSIONS, _rate, _sorted

KB_METRICS = {
    "article_views": ("category", "article"),
    "helpful_ratio": ("category", "article"),
    "searches_without_result": ("language",),
    "deflection_rate": (),
}
KB_DIMENSIONS = ("category", "article", "language")
QUERY_LIMIT = 100


def parse_kb_filters(name: str, params, *, ignore=()) -> tuple[dict, dict]:
    """({dimension: value}, {parameter: error}) for a KB metric; `none` means null as elsewhere."""
    filters, errors = {}, {}
    for param, raw in params.items():
        if param in ignore or raw == "":
            continue
        problem = _dimension_problem(name, param)
        if problem:
            errors[param] = problem
        elif raw == "none":
            filters[param] = None
        elif param == "language":
            if normalise(raw) != raw:
                errors[param] = f"Unknown language {raw!r}; one of {', '.join(dict(settings.KB_LANGUAGES))}."
            else:
                filters[param] = raw
        elif raw.isdigit():
            filters[param] = int(raw)
        else:
            errors[param] = f"{param} must be an id or 'none'."
    return filters, errors


def by_problem(name: str, by: str | None) -> str | None:
    """Why `name` cannot be sliced by `by`, or None if it can."""
    if not by or by in KB_METRICS[name]:
        return None
    return f"{name} cannot be sliced by {by}; " + _dimensions_text(name)


def _dimension_problem(name: str, param: str) -> str | None:
    if param in KB_METRICS[name]:
        return None
    if param in KB_DIMENSIONS or param in DIMENSIONS:
        return f"{name} cannot be filtered by {param}; " + _dimensions_text(name)
    return "Unknown parameter; " + _dimensions_text(name)


def _dimensions_text(name: str) -> str:
    dimensions = KB_METRICS[name]
    return f"its dimensions are {', '.join(dimensions)}." if dimensions else "it has no dimensions."


def kb_metric(name: str, *, date_from: date, date_to: date, by: str | None = None, filters=None) -> dict:
    """One KB metric in the API shape (callers have validated `by` and `filters`)."""
    span = {"date_from": date_from, "date_to": date_to}
    rows = globals()[f"_{name}"](span, by, filters or {})
    if by in ("category", "article"):
        labels = _labels(by, [r["key"] for r in rows])
        rows = [{**r, "label": labels.get(r["key"])} for r in rows]
    return {"metric": name, "from": date_from, "to": date_to, "by": by, "results": _sorted(rows)}


def _article_views(span: dict, by, filters) -> list[dict]:
    found = insights.kb_article_views_by(**span, by=by, filters=filters)
    return [{"key": key, "value": views} for key, views in found.items()]


def _helpful_ratio(span: dict, by, filters) -> list[dict]:
    found = insights.kb_helpful_ratio_by(**span, by=by, filters=filters)
    return [{"key": key, **_rate(votes.helpful, votes.total)} for key, votes in found.items()]


def _searches_without_result(span: dict, by, filters) -> list[dict]:
    rows = _search_totals(span, by, filters)
    top = insights.kb_failed_searches_by(**span, by=by, filters=filters, limit=QUERY_LIMIT)
    for row in rows:
        row["queries"] = [{"query": q.query, "count": q.count} for q in top.get(row["key"], [])]
    return rows


def _search_totals(span: dict, by, filters) -> list[dict]:
    totals = insights.kb_searches_by(**span, by=by, filters=filters)
    return [{"key": key, "value": t.without_result, "searches": t.searches} for key, t in totals.items()]


def _deflection_rate(span: dict, by, filters) -> list[dict]:
    found = insights.kb_deflection_rate(**span)
    return [{"key": None, **_rate(found.deflected, found.requests)}]


def kb_headline(name: str, *, date_from: date, date_to: date) -> dict:
    """The metric's unsliced figures, without the list of queries (for the dashboard's tiles)."""
    span = {"date_from": date_from, "date_to": date_to}
    if name == "searches_without_result":
        return _search_totals(span, None, {})[0]
    return kb_metric(name, **span)["results"][0]


def _labels(by: str, keys: list) -> dict:
    keys = [k for k in keys if k is not None]
    if by == "category":
        return dict(Category.objects.filter(pk__in=keys).values_list("pk", "name"))
    titles = ArticleTranslation.objects.filter(article_id__in=keys, language=settings.KB_DEFAULT_LANGUAGE)
    found = dict(titles.values_list("article_id", "title"))
    return {pk: found.get(pk, f"Article {pk}") for pk in keys}
