"""Reads for the help center, the authoring pages and the agent workspace.

Public selectors only ever return published, non-internal articles. Each article handed to a
template carries `display`: its translation in the visitor's language, else the default one.
The help-center KPIs are read in kb/insights.py.
"""

from django.conf import settings
from django.db import connection
from django.db.models import Count, F, Prefetch, Q, QuerySet

from helpdesk.roles import is_staff_member, sees_all_teams
from tickets.models import Message, Ticket

from . import help_cache
from .models import Article, ArticleRevision, ArticleTranslation, ArticleVote, Category, Section
from .services import search_config_for

MAX_QUERY_WORDS = 8
_LIST_FIELDS = ("id", "article_id", "language", "title", "slug")


def _languages(language: str) -> list[str]:
    return list(dict.fromkeys([language, settings.KB_DEFAULT_LANGUAGE]))


def _translations(language: str, *, with_text: bool = False, with_source: bool = False) -> Prefetch:
    fields = (*_LIST_FIELDS, "body_text") if with_text else _LIST_FIELDS
    fields = (*fields, "body_markdown") if with_source else fields
    return Prefetch(
        "translations",
        queryset=ArticleTranslation.objects.filter(language__in=_languages(language)).only(*fields),
        to_attr="shown_translations",
    )


def _with_display(articles, language: str) -> list[Article]:
    """Attach `display` (the best translation) and drop articles with none to show."""
    shown = []
    for article in articles:
        by_language = {t.language: t for t in article.shown_translations}
        article.display = by_language.get(language) or by_language.get(settings.KB_DEFAULT_LANGUAGE)
        if article.display is not None:
            shown.append(article)
    return shown


# The public help center


def help_home(*, language: str) -> tuple[list[Category], list[Article]]:
    """The categories holding public articles (with `article_count`) and the most viewed articles.

    Kept per process until articles or popularity change (kb/help_cache.py).
    """
    return help_cache.kept(
        f"home:{language}", lambda: (help_categories(), popular_articles(language=language))
    )


def help_categories() -> list[Category]:
    public = Q(sections__articles__state=Article.State.PUBLISHED, sections__articles__is_internal=False)
    return list(
        Category.objects.annotate(article_count=Count("sections__articles", filter=public))
        .filter(article_count__gt=0)
        .order_by("position", "name")
    )


def popular_articles(*, language: str, limit: int = 8) -> list[Article]:
    articles = (
        Article.objects.public()
        .only("id", "popularity", "section_id")
        .order_by("-popularity", "-id")
        .prefetch_related(_translations(language))[:limit]
    )
    return _with_display(articles, language)


class CategoryPages:
    """A category, how many public articles it holds, and its pages as they are asked for."""

    def __init__(self, *, slug: str, language: str) -> None:
        self.category = Category.objects.get(slug=slug)
        self.count = category_articles(category=self.category, language=language).count()
        self.language = language
        self._pages: dict[tuple[int, int], list[Article]] = {}

    def page(self, *, number: int, size: int) -> list[Article]:
        """Page `number` (from 1) of the public articles, each with `display`."""
        if (number, size) not in self._pages:
            start = (number - 1) * size
            articles = category_articles(category=self.category, language=self.language)[start : start + size]
            self._pages[number, size] = _with_display(articles, self.language)
        return self._pages[number, size]


def help_category(*, slug: str, language: str) -> CategoryPages:
    """The category's public pages, kept per process until articles change; raises DoesNotExist."""
    return help_cache.kept(f"category:{slug}:{language}", lambda: CategoryPages(slug=slug, language=language))


def category_articles(*, category: Category, language: str) -> QuerySet[Article]:
    """The category's public articles in section order (paginate, then `with_display`)."""
    return (
        Article.objects.public()
        .filter(section__category=category)
        .select_related("section")
        .only("id", "position", "section__id", "section__name", "section__position", "section__category_id")
        .order_by("section__position", "section__name", "section_id", "position", "id")
        .prefetch_related(_translations(language))
    )


def with_display(articles, *, language: str) -> list[Article]:
    return _with_display(articles, language)


def public_article(*, pk: int, language: str) -> tuple[Article, ArticleTranslation, list[str]]:
    """The article, its translation to show and the languages it exists in; raises DoesNotExist.

    One query for the article, its section, category and translations: the article page is the
    help center's most visited, and two ORM queries cost more to build than to run.
    """
    translations = {t.language: t for t in ArticleTranslation.objects.raw(_PUBLIC_ARTICLE_SQL, [pk])}
    if not translations:
        raise Article.DoesNotExist
    shown = translations.get(language) or translations.get(settings.KB_DEFAULT_LANGUAGE)
    shown = shown or translations[min(translations)]
    category = Category(id=shown.category_id, slug=shown.category_slug, name=shown.category_name)
    section = Section(id=shown.section_id, name=shown.section_name, category=category)
    article = Article(id=pk, section=section, state=Article.State.PUBLISHED, is_internal=False)
    return article, shown, sorted(translations)


_PUBLIC_ARTICLE_SQL = f"""
    SELECT t.id, t.article_id, t.language, t.title, t.slug, t.body_html, t.updated_at,
           s.id AS section_id, s.name AS section_name,
           c.id AS category_id, c.slug AS category_slug, c.name AS category_name
    FROM kb_articletranslation t
    JOIN kb_article a ON a.id = t.article_id
    JOIN kb_section s ON s.id = a.section_id
    JOIN kb_category c ON c.id = s.category_id
    WHERE t.article_id = %s AND a.state = '{Article.State.PUBLISHED}' AND NOT a.is_internal
"""  # noqa: S608  # constants only; the id is a parameter


def related_articles(*, article: Article, language: str, limit: int = 5) -> list[Article]:
    """Public articles sharing the most keywords with `article`, then others from its section.

    Ties go to the more popular, then the newer. Written as two small index scans (articles
    sharing a keyword, then the section's others), each cut to `limit` before they are merged:
    one query over "same section or shared keyword" read every article and every keyword link.
    """
    params = {
        "pk": article.pk,
        "section": article.section_id,
        "limit": limit,
        "language": language,
        "default": settings.KB_DEFAULT_LANGUAGE,
    }
    with connection.cursor() as cursor:
        cursor.execute(_RELATED_SQL, params)
        rows = cursor.fetchall()
    shown: dict[int, dict[str, ArticleTranslation]] = {}
    for article_id, translation_language, title, slug in rows:
        translation = ArticleTranslation(
            article_id=article_id, language=translation_language, title=title, slug=slug
        )
        shown.setdefault(article_id, {})[translation_language] = translation
    related = []
    for article_id, by_language in shown.items():
        item = Article(id=article_id)
        item.display = by_language.get(language) or by_language[settings.KB_DEFAULT_LANGUAGE]
        related.append(item)
    return related


_PUBLIC = f"a.state = '{Article.State.PUBLISHED}' AND NOT a.is_internal AND a.id <> %(pk)s"
_RELATED_SQL = f"""
    WITH shared AS (
        SELECT article_id, COUNT(*) AS shared FROM kb_article_keywords
        WHERE keyword_id IN (SELECT keyword_id FROM kb_article_keywords WHERE article_id = %(pk)s)
        GROUP BY article_id
    ),
    candidates AS (
        SELECT * FROM (
            SELECT a.id, s.shared, a.popularity FROM shared s JOIN kb_article a ON a.id = s.article_id
            WHERE {_PUBLIC}
            ORDER BY s.shared DESC, a.popularity DESC, a.id DESC LIMIT %(limit)s
        ) AS by_keywords
        UNION ALL
        SELECT * FROM (
            SELECT a.id, 0, a.popularity FROM kb_article a
            WHERE a.section_id = %(section)s AND {_PUBLIC}
              AND a.id NOT IN (SELECT article_id FROM shared)
            ORDER BY a.popularity DESC, a.id DESC LIMIT %(limit)s
        ) AS by_section
    ),
    best AS (
        SELECT * FROM candidates ORDER BY shared DESC, popularity DESC, id DESC LIMIT %(limit)s
    )
    SELECT b.id, t.language, t.title, t.slug FROM best b
    JOIN kb_articletranslation t ON t.article_id = b.id AND t.language IN (%(language)s, %(default)s)
    ORDER BY b.shared DESC, b.popularity DESC, b.id DESC
"""  # noqa: S608  # constants only; values are parameters


def article_votes(*, article: Article) -> dict[str, int]:
    totals = ArticleVote.objects.filter(article=article).aggregate(
        total=Count("id"), helpful=Count("id", filter=Q(helpful=True))
    )
    return {"total": totals["total"], "helpful": totals["helpful"]}


def visitor_has_voted(*, article: Article, visitor: str | None) -> bool:
    return bool(visitor) and ArticleVote.objects.filter(article=article, visitor=visitor).exists()


def _words(query: str) -> list[str]:
    return [w[:50] for w in query[:500].split() if w][:MAX_QUERY_WORDS]


def article_search(
    *,
    query: str,
    language: str,
    limit: int = 20,
    include_internal: bool = False,
    with_source: bool = False,
    match: str = "all",
) -> list[Article]:
    """Published articles matching `query`, best first, each with `display` and `rank`.

    `match="all"` wants every word (websearch syntax on PostgreSQL: quotes, -word, or);
    `match="any"` wants at least one, ranked by how well they match (for suggestions from a
    ticket subject). PostgreSQL: full-text search over the translations' vectors (GIN index),
    ranked by ts_rank with titles weighing more. Elsewhere: substring matches, titles first.
    """
    words = _words(query)
    if not words:
        return []
    articles = Article.objects.filter(state=Article.State.PUBLISHED)
    if not include_internal:
        articles = articles.filter(is_internal=False)
    search = _search_postgres if connection.vendor == "postgresql" else _search_fallback
    ranked = search(words=words, language=language, articles=articles, limit=limit, match_any=match == "any")
    found = (
        Article.objects.filter(pk__in=[pk for pk, _ in ranked])
        .select_related("section__category")
        .only("id", "is_internal", "section__id", "section__name", "section__category__name")
        .prefetch_related(_translations(language, with_text=True, with_source=with_source))
    )
    by_pk = {a.pk: a for a in found}
    ordered = []
    for pk, rank in ranked:
        article = by_pk[pk]
        article.rank = rank
        ordered.append(article)
    return _with_display(ordered, language)


def _search_postgres(
    *, words: list[str], language: str, articles: QuerySet, limit: int, match_any: bool
) -> list[tuple[int, float]]:
    from django.contrib.postgres.search import SearchQuery, SearchRank

    tsquery = None
    for config in dict.fromkeys(search_config_for(code) for code in _languages(language)):
        parts = (
            [SearchQuery(word, config=config, search_type="plain") for word in words]
            if match_any
            else [SearchQuery(" ".join(words)[:200], config=config, search_type="websearch")]
        )
        for part in parts:
            tsquery = part if tsquery is None else tsquery | part
    rows = (
        ArticleTranslation.objects.filter(
            search_vector=tsquery, language__in=_languages(language), article__in=articles
        )
        .annotate(rank=SearchRank(F("search_vector"), tsquery))
        .order_by("-rank", "article_id")
        .values_list("article_id", "rank")[: limit * 2]
    )
    return _best_per_article(rows, limit)


def _search_fallback(
    *, words: list[str], language: str, articles: QuerySet, limit: int, match_any: bool
) -> list[tuple[int, float]]:
    if match_any:
        words = [w for w in words if len(w) >= 3] or words
    matches = ArticleTranslation.objects.filter(language__in=_languages(language), article__in=articles)
    condition = Q() if not match_any else Q(pk__in=[])
    for word in words:
        found = Q(title__icontains=word) | Q(body_text__icontains=word)
        condition = condition | found if match_any else condition & found
    rows = []
    for article_id, title, body in matches.filter(condition).values_list("article_id", "title", "body_text")[
        : limit * 10
    ]:
        title, body = title.lower(), body.lower()
        score = sum(2.0 * (w.lower() in title) + (w.lower() in body) for w in words)
        rows.append((article_id, score))
    rows.sort(key=lambda row: (-row[1], row[0]))
    return _best_per_article(rows, limit)


def _best_per_article(rows, limit: int) -> list[tuple[int, float]]:
    best: dict[int, float] = {}
    for article_id, rank in rows:
        best.setdefault(article_id, rank)
    return list(best.items())[:limit]


# Authoring and the agent workspace


def article_list_for_staff(*, state: str = "", category_id: int | None = None, query: str = "") -> QuerySet:
    articles = (
        Article.objects.select_related("section__category", "created_by")
        .prefetch_related(_translations(settings.KB_DEFAULT_LANGUAGE))
        .annotate(translation_count=Count("translations", distinct=True))
        .order_by("-updated_at", "-id")
    )
    if state:
        articles = articles.filter(state=state)
    if category_id:
        articles = articles.filter(section__category_id=category_id)
    if query:
        articles = articles.filter(translations__title__icontains=query[:100]).distinct()
    return articles


def article_for_staff(*, pk: int) -> Article:
    return (
        Article.objects.select_related("section__category", "created_by")
        .prefetch_related("keywords")
        .get(pk=pk)
    )


def article_revisions(*, article: Article, language: str) -> QuerySet[ArticleRevision]:
    return ArticleRevision.objects.filter(article=article, language=language).select_related("author")


def ticket_answer_for_article(*, user, ticket_id: int) -> tuple[Ticket, Message | None]:
    """A ticket `user` may see and its last public agent reply; raises Ticket.DoesNotExist.

    Visible: managers and admins see every ticket; other staff see their team's tickets
    (as member, lead or QA reviewer) and tickets assigned to them.
    """
    if not is_staff_member(user):
        raise Ticket.DoesNotExist
    tickets = Ticket.objects.select_related("team")
    if not sees_all_teams(user):
        tickets = tickets.filter(
            Q(assignee=user) | Q(team__members=user) | Q(team__leads=user) | Q(team__qa_reviewers=user)
        ).distinct()
    ticket = tickets.get(pk=ticket_id)
    reply = (
        Message.objects.filter(ticket=ticket, kind=Message.Kind.PUBLIC, sender=Message.Sender.AGENT)
        .order_by("-created_at", "-id")
        .first()
    )
    return ticket, reply
