"""Reads for the help center's KPIs: the staff insights page, the manager dashboard and the KPI API.

shared/KPIS.md does not define these; the definitions are here (and in kpis/kb_metrics.py, which
answers them in the KPI API's shape). Ranges are inclusive ranges of local days.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from .models import Article, ArticleTranslation, ArticleViewDay, ArticleVote, DeflectionSession, SearchDay

# The help center's figures over an inclusive range of local days. The `*_by` selectors slice
# them: `by` names a dimension (None: one key, None) and `filters` is {dimension: value}; with
# `by`, a key appears when at least one counted row has that value. The dimensions of each
# figure are the ORM paths below, from the counted row.

ARTICLE_DIMENSIONS = {"category": "article__section__category_id", "article": "article_id"}
SEARCH_DIMENSIONS = {"language": "language"}
ARTICLE_ORDERS = ("views", "unhelpful", "deflected")


@dataclass(frozen=True)
class HelpfulRatio:
    helpful: int
    total: int

    @property
    def ratio(self) -> float | None:
        return self.helpful / self.total if self.total else None


@dataclass(frozen=True)
class FailedSearch:
    query: str
    count: int


@dataclass(frozen=True)
class SearchTotals:
    searches: int
    without_result: int


@dataclass(frozen=True)
class DeflectionRate:
    """Portal sessions first shown article suggestions in the range, by what happened next.

    A deflected request opened a suggested article and submitted no ticket; the rate is
    deflected / (deflected + submitted). Sessions that neither opened an article nor submitted
    a ticket have no known outcome and are left out of the rate.
    """

    sessions: int  # portal sessions shown at least one suggestion
    opened: int  # of those, sessions that opened a suggested article
    deflected: int  # opened an article and did not submit a ticket
    submitted: int  # submitted a ticket

    @property
    def requests(self) -> int:
        return self.deflected + self.submitted

    @property
    def rate(self) -> float | None:
        return self.deflected / self.requests if self.requests else None


@dataclass(frozen=True)
class ArticleFigures:
    """One article's help-center figures over a range (title in the default language)."""

    article_id: int
    title: str
    category: str
    views: int
    helpful: int
    votes: int
    deflected: int

    @property
    def unhelpful(self) -> int:
        return self.votes - self.helpful

    @property
    def ratio(self) -> float | None:
        return self.helpful / self.votes if self.votes else None


def _instants(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    start = datetime.combine(date_from, time.min, tzinfo=zone)
    return start, datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=zone)


def _sliced(rows: QuerySet, dimensions: dict[str, str], by: str | None, filters: dict | None, **figures):
    """{key: {figure: value}}: `figures` aggregated over `rows`, filtered and grouped by dimension."""
    rows = rows.filter(**{dimensions[name]: value for name, value in (filters or {}).items()}).order_by()
    if by is None:
        return {None: rows.aggregate(**figures)}
    return {found.pop("key"): found for found in rows.values(key=F(dimensions[by])).annotate(**figures)}


def _views(date_from: date, date_to: date) -> QuerySet[ArticleViewDay]:
    return ArticleViewDay.objects.filter(day__range=(date_from, date_to))


def _votes(date_from: date, date_to: date) -> QuerySet[ArticleVote]:
    start, end = _instants(date_from, date_to)
    return ArticleVote.objects.filter(created_at__gte=start, created_at__lt=end)


def _sessions(date_from: date, date_to: date) -> QuerySet[DeflectionSession]:
    start, end = _instants(date_from, date_to)
    return DeflectionSession.objects.filter(first_shown_at__gte=start, first_shown_at__lt=end)


_DEFLECTED = Q(articles_opened__gt=0, ticket_submitted_at__isnull=True)


def kb_article_views_by(
    *, date_from: date, date_to: date, by: str | None = None, filters: dict | None = None
) -> dict:
    """{key: views}: help-center article page views on the days of the range."""
    found = _sliced(_views(date_from, date_to), ARTICLE_DIMENSIONS, by, filters, views=Sum("views"))
    return {key: figures["views"] or 0 for key, figures in found.items()}


def kb_article_views(*, date_from: date, date_to: date) -> int:
    """Help-center article views in the range."""
    return kb_article_views_by(date_from=date_from, date_to=date_to)[None]


def kb_helpful_ratio_by(
    *, date_from: date, date_to: date, by: str | None = None, filters: dict | None = None
) -> dict[object, HelpfulRatio]:
    """{key: votes}: "was this helpful?" votes cast in the range, and how many said yes."""
    found = _sliced(
        _votes(date_from, date_to),
        ARTICLE_DIMENSIONS,
        by,
        filters,
        total=Count("id"),
        helpful=Count("id", filter=Q(helpful=True)),
    )
    return {key: HelpfulRatio(helpful=f["helpful"], total=f["total"]) for key, f in found.items()}


def kb_helpful_ratio(*, date_from: date, date_to: date) -> HelpfulRatio:
    """Votes cast in the range and how many said "helpful"."""
    return kb_helpful_ratio_by(date_from=date_from, date_to=date_to)[None]


def kb_searches_by(
    *, date_from: date, date_to: date, by: str | None = None, filters: dict | None = None
) -> dict[object, SearchTotals]:
    """{key: totals}: help-center searches in the range and how many found no article."""
    found = _sliced(
        SearchDay.objects.filter(day__range=(date_from, date_to)),
        SEARCH_DIMENSIONS,
        by,
        filters,
        total=Sum("count"),
        failed=Sum("count", filter=Q(found=False)),
    )
    return {
        key: SearchTotals(searches=f["total"] or 0, without_result=f["failed"] or 0)
        for key, f in found.items()
    }


def kb_searches(*, date_from: date, date_to: date) -> SearchTotals:
    return kb_searches_by(date_from=date_from, date_to=date_to)[None]


def _failed(date_from: date, date_to: date, filters: dict | None) -> QuerySet[SearchDay]:
    conditions = {SEARCH_DIMENSIONS[name]: value for name, value in (filters or {}).items()}
    return SearchDay.objects.filter(day__range=(date_from, date_to), found=False, **conditions).order_by()


def kb_failed_searches(
    *,
    date_from: date,
    date_to: date,
    limit: int = 50,
    offset: int = 0,
    filters: dict | None = None,
) -> list[FailedSearch]:
    """What customers searched for without a result in the range, most frequent first."""
    rows = (
        _failed(date_from, date_to, filters)
        .values("query")
        .annotate(total=Sum("count"))
        .order_by("-total", "query")[offset : offset + limit]
    )
    return [FailedSearch(query=r["query"], count=r["total"]) for r in rows]


def kb_failed_search_count(*, date_from: date, date_to: date, filters: dict | None = None) -> int:
    """How many different queries found nothing in the range."""
    return _failed(date_from, date_to, filters).values("query").distinct().count()


def kb_failed_searches_by(
    *, date_from: date, date_to: date, by: str | None = None, filters: dict | None = None, limit: int = 50
) -> dict[object, list[FailedSearch]]:
    """{key: the `limit` most frequent queries without a result}, in one query (a window)."""
    if by is None:
        return {None: kb_failed_searches(date_from=date_from, date_to=date_to, limit=limit, filters=filters)}
    key = F(SEARCH_DIMENSIONS[by])
    rows = (
        _failed(date_from, date_to, filters)
        .values(key=key, text=F("query"))
        .annotate(total=Sum("count"))
        .annotate(rank=Window(RowNumber(), partition_by=[key], order_by=[F("total").desc(), F("text").asc()]))
        .filter(rank__lte=limit)
        .order_by("key", "rank")
    )
    found: dict[object, list[FailedSearch]] = {}
    for row in rows:
        found.setdefault(row["key"], []).append(FailedSearch(query=row["text"], count=row["total"]))
    return found


def kb_deflection_rate(*, date_from: date, date_to: date) -> DeflectionRate:
    """Sessions first shown suggestions in the range; deflected = opened an article, no ticket."""
    totals = _sessions(date_from, date_to).aggregate(
        sessions=Count("id"),
        opened=Count("id", filter=Q(articles_opened__gt=0)),
        deflected=Count("id", filter=_DEFLECTED),
        submitted=Count("id", filter=Q(ticket_submitted_at__isnull=False)),
    )
    return DeflectionRate(**totals)


def _article_rankings(date_from: date, date_to: date) -> dict[str, QuerySet]:
    """Per order: (article_id, n) of every article with any of that figure in the range."""
    return {
        "views": _views(date_from, date_to).values("article_id").annotate(n=Sum("views")),
        "unhelpful": _votes(date_from, date_to)
        .filter(helpful=False)
        .values("article_id")
        .annotate(n=Count("id")),
        "deflected": _sessions(date_from, date_to)
        .filter(_DEFLECTED, first_opened_article__isnull=False)
        .values(article_id=F("first_opened_article_id"))
        .annotate(n=Count("id")),
    }


def kb_article_table(
    *, date_from: date, date_to: date, order: str = "views", limit: int = 10, offset: int = 0
) -> list[ArticleFigures]:
    """Articles by views, "not helpful" votes or deflected requests (first article opened), most first."""
    ranked = _article_rankings(date_from, date_to)[order].order_by("-n", "article_id")
    ids = [row["article_id"] for row in ranked[offset : offset + limit]]
    return _article_figures(ids, date_from, date_to)


def kb_article_table_count(*, date_from: date, date_to: date, order: str = "views") -> int:
    return _article_rankings(date_from, date_to)[order].count()


def _per_article(rows: QuerySet, column: str, figure) -> Coalesce:
    """`figure` over the `rows` of the outer query's article (0 if none)."""
    rows = rows.filter(**{column: OuterRef("pk")}).order_by().values(column).annotate(n=figure)
    return Coalesce(Subquery(rows.values("n")), 0)


def _article_figures(ids: list[int], date_from: date, date_to: date) -> list[ArticleFigures]:
    """The figures of these articles, in this order, in one query."""
    votes = _votes(date_from, date_to)
    title = ArticleTranslation.objects.filter(article=OuterRef("pk"), language=settings.KB_DEFAULT_LANGUAGE)
    rows = Article.objects.filter(pk__in=ids).values_list(
        "pk",
        Subquery(title.values("title")[:1]),
        "section__category__name",
        _per_article(_views(date_from, date_to), "article", Sum("views")),
        _per_article(votes, "article", Count("id", filter=Q(helpful=True))),
        _per_article(votes, "article", Count("id")),
        _per_article(_sessions(date_from, date_to).filter(_DEFLECTED), "first_opened_article", Count("id")),
    )
    found = {row[0]: row for row in rows}
    return [
        ArticleFigures(pk, title or f"Article {pk}", category, views, helpful, total, deflected)
        for pk, title, category, views, helpful, total, deflected in (found[pk] for pk in ids if pk in found)
    ]


def kb_top_articles(*, date_from: date, date_to: date, limit: int = 10) -> list[dict]:
    """The most viewed articles in the range: [{article_id, title, views}], most viewed first."""
    return [
        {"article_id": a.article_id, "title": a.title, "views": a.views}
        for a in kb_article_table(date_from=date_from, date_to=date_to, limit=limit)
    ]
