"""Random help-center activity, written through kb's services, and the KB metrics by brute force.

The reference reads only the raw events it generated (each view, vote, search and session) and
applies the definitions of kpis/kb_metrics.py in plain Python.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from kb.models import ArticleViewDay, ArticleVote, DeflectionSession, SearchDay
from kb.services import article_view_record, search_record

QUERIES = ("wifi", "Wifi ", "refund", "dark  mode", "api key", "teleport", "=HYPERLINK(1)")
LANGUAGES = ("en", "de", "yi")


@dataclass
class Activity:
    articles: list  # the Article objects, with .category_id and .title set by the fixture
    views: list[tuple[int, date]] = field(default_factory=list)  # (article id, day), one per view
    votes: list[tuple[int, bool, datetime]] = field(default_factory=list)
    searches: list[tuple[str, str, bool, date]] = field(default_factory=list)  # (query, language, found, day)
    sessions: list[tuple[datetime, int, bool]] = field(default_factory=list)  # (shown, opened, submitted)


def generate(rng: random.Random, articles: list, today: date, days: int = 12) -> Activity:
    """Clear the KB activity tables and record random activity over the last `days` days."""
    for model in (ArticleViewDay, ArticleVote, SearchDay, DeflectionSession):
        model.objects.all().delete()
    activity = Activity(articles=articles)
    zone = timezone.get_current_timezone()
    for _ in range(rng.randint(0, 40)):
        article, day = rng.choice(articles), today - timedelta(days=rng.randrange(days))
        article_view_record(article_id=article.pk, day=day)
        activity.views.append((article.pk, day))
    for i in range(rng.randint(0, 25)):
        article = rng.choice(articles)
        local = datetime.combine(today - timedelta(days=rng.randrange(days)), time.min, tzinfo=zone)
        at = local + timedelta(seconds=rng.choice([0, 1, rng.randrange(86400), 86399]))
        helpful = rng.random() < 0.6
        ArticleVote.objects.create(article=article, visitor=f"v{i}", helpful=helpful, created_at=at)
        activity.votes.append((article.pk, helpful, at))
    for _ in range(rng.randint(0, 40)):
        query, language = rng.choice(QUERIES), rng.choice(LANGUAGES)
        found, day = rng.random() < 0.4, today - timedelta(days=rng.randrange(days))
        search_record(query=query, language=language, found=found, day=day)
        activity.searches.append((query, language, found, day))
    for i in range(rng.randint(0, 25)):
        local = datetime.combine(today - timedelta(days=rng.randrange(days)), time.min, tzinfo=zone)
        shown = local + timedelta(seconds=rng.randrange(86400))
        opened, submitted = rng.choice([0, 0, 1, 2]), rng.random() < 0.4
        DeflectionSession.objects.create(
            session_key=f"s{i}",
            first_shown_at=shown,
            suggestions_shown=1,
            articles_opened=opened,
            ticket_submitted_at=shown + timedelta(minutes=2) if submitted else None,
        )
        activity.sessions.append((shown, opened, submitted))
    return activity


def _local_day(instant: datetime) -> date:
    return timezone.localtime(instant).date()


def _keys(activity: Activity, article_id: int) -> dict:
    article = next(a for a in activity.articles if a.pk == article_id)
    return {"category": article.category_id, "article": article_id}


def _labels(activity: Activity, by: str | None) -> dict:
    if by == "category":
        return {a.category_id: a.category_name for a in activity.articles}
    if by == "article":
        return {a.pk: a.title for a in activity.articles}
    return {}


def _matches(keys: dict, filters: dict) -> bool:
    return all(keys[name] == value for name, value in filters.items())


def _rows(groups: dict, by: str | None, figure, labels: dict) -> list[dict]:
    if by is None:
        groups = {None: [item for items in groups.values() for item in items]}
    rows = []
    for key, items in groups.items():
        row = {"key": key, **figure(items)}
        if by in ("category", "article"):
            row["label"] = labels[key]
        rows.append(row)
    return sorted(rows, key=lambda r: (r["key"] is None, str(r["key"])))


def _rate(numerator: int, denominator: int) -> dict:
    return {
        "numerator": numerator,
        "denominator": denominator,
        "rate": numerator / denominator if denominator else None,
    }


def expected(name: str, activity: Activity, date_from: date, date_to: date, by=None, filters=None) -> dict:
    """The metric's answer in the API shape, by brute force over the generated events."""
    filters = filters or {}
    groups: dict = defaultdict(list)
    if name == "article_views":
        for article_id, day in activity.views:
            keys = _keys(activity, article_id)
            if date_from <= day <= date_to and _matches(keys, filters):
                groups[keys.get(by)].append(1)
        results = _rows(groups, by, lambda items: {"value": len(items)}, _labels(activity, by))
    elif name == "helpful_ratio":
        for article_id, helpful, at in activity.votes:
            keys = _keys(activity, article_id)
            if date_from <= _local_day(at) <= date_to and _matches(keys, filters):
                groups[keys.get(by)].append(helpful)
        results = _rows(groups, by, lambda items: _rate(sum(items), len(items)), _labels(activity, by))
    elif name == "searches_without_result":
        for query, language, found, day in activity.searches:
            keys = {"language": language}
            if date_from <= day <= date_to and _matches(keys, filters):
                groups[keys.get(by)].append((" ".join(query.lower().split()), found))
        results = _rows(groups, by, _search_figures, {})
    else:
        for shown, opened, submitted in activity.sessions:
            if date_from <= _local_day(shown) <= date_to:
                groups[None].append((opened, submitted))
        deflected = sum(1 for opened, submitted in groups[None] if opened and not submitted)
        submitted = sum(1 for _, s in groups[None] if s)
        results = [{"key": None, **_rate(deflected, deflected + submitted)}]
    span = {"from": date_from.isoformat(), "to": date_to.isoformat()}
    return {"metric": name, **span, "by": by, "results": results}


def _search_figures(items: list[tuple[str, bool]]) -> dict:
    failed = Counter(query for query, found in items if not found)
    top = sorted(failed.items(), key=lambda qc: (-qc[1], qc[0]))[:100]
    return {
        "value": sum(failed.values()),
        "searches": len(items),
        "queries": [{"query": q, "count": c} for q, c in top],
    }
