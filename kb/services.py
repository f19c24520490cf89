"""Writes to the knowledge base: authoring, votes, view and search counters, deflection.

Deflection contract for the customer portal (another app calls these; see also the suggest
endpoint `GET /help/suggest/?q=...`, which calls `deflection_suggestions_shown` itself):

1. While the customer types a subject, the portal's new-ticket form fetches
   `/help/suggest/?q=<subject>` (htmx). When it shows one or more articles, the endpoint
   records "suggestions shown" for the visitor's Django session (`request.session.session_key`).
2. Suggested links carry `?from=suggest`; opening one records "article opened" for the session.
3. When the portal creates a ticket from that session it calls
   `deflection_ticket_submitted(session_key=request.session.session_key, ticket_id=ticket.pk)`.

A session that opened a suggested article and never submitted a ticket is a deflected request
(`kb.insights.kb_deflection_rate`). Calls for sessions that were never shown suggestions do
nothing, so the portal may call `deflection_ticket_submitted` for every ticket it creates.
"""

from collections.abc import Iterable
from contextlib import contextmanager
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.text import slugify

from .help_cache import help_center_changed
from .markdown import html_to_text, render_markdown
from .models import (
    Article,
    ArticleRevision,
    ArticleTranslation,
    ArticleViewDay,
    ArticleVote,
    DeflectionSession,
    Keyword,
    SearchDay,
    Section,
)

# PostgreSQL text-search configurations for the languages that have one; others use 'simple'.
SEARCH_CONFIGS = {"en": "english", "de": "german", "es": "spanish", "fr": "french", "ar": "arabic"}
POPULARITY_DAYS = 30


def search_config_for(language: str) -> str:
    return SEARCH_CONFIGS.get(language.split("-")[0], "simple")


@transaction.atomic
def article_create(
    *,
    section: Section,
    title: str,
    body_markdown: str,
    by: AbstractBaseUser | None,
    state: str = Article.State.DRAFT,
    is_internal: bool = False,
    keywords: Iterable[str] = (),
    language: str | None = None,
    source_ticket_id: int | None = None,
) -> Article:
    """A new article with its first translation (the default language unless told) and revision."""
    now = timezone.now()
    article = Article.objects.create(
        section=section,
        state=state,
        is_internal=is_internal,
        source_ticket_id=source_ticket_id,
        created_by=by,
        created_at=now,
        updated_at=now,
        published_at=now if state == Article.State.PUBLISHED else None,
    )
    _set_keywords(article=article, names=keywords)
    translation_save(
        article=article,
        language=language or settings.KB_DEFAULT_LANGUAGE,
        title=title,
        body_markdown=body_markdown,
        by=by,
        summary="Created",
    )
    help_center_changed()
    return article


@transaction.atomic
def article_update(
    *,
    article: Article,
    by: AbstractBaseUser | None,
    title: str,
    body_markdown: str,
    section: Section,
    state: str,
    is_internal: bool,
    keywords: Iterable[str] = (),
    language: str | None = None,
    summary: str = "",
) -> Article:
    """Change the article's settings and one translation (default language unless told); a revision."""
    if state not in Article.State.values:
        raise ValidationError(f"Unknown state {state!r}.")
    if state == Article.State.PUBLISHED and article.published_at is None:
        article.published_at = timezone.now()
    article.section, article.state, article.is_internal = section, state, is_internal
    article.updated_at = timezone.now()
    article.save(update_fields=["section", "state", "is_internal", "published_at", "updated_at"])
    _set_keywords(article=article, names=keywords)
    translation_save(
        article=article,
        language=language or settings.KB_DEFAULT_LANGUAGE,
        title=title,
        body_markdown=body_markdown,
        by=by,
        summary=summary,
    )
    help_center_changed()
    return article


@transaction.atomic
def translation_save(
    *,
    article: Article,
    language: str,
    title: str,
    body_markdown: str,
    by: AbstractBaseUser | None,
    slug: str = "",
    summary: str = "",
) -> ArticleTranslation:
    """Create or change the article's translation in `language`, render it, and store a revision."""
    language = language.strip().lower()
    if not language or len(language) > 16:
        raise ValidationError("A language code is required.")
    title = title.strip()
    if not title:
        raise ValidationError("A title is required.")
    translation = ArticleTranslation.objects.filter(article=article, language=language).first()
    translation = translation or ArticleTranslation(article=article, language=language)
    html = render_markdown(body_markdown)
    translation.title = title
    translation.slug = _unique_slug(language=language, wanted=slug or title, exclude_pk=translation.pk)
    translation.body_markdown = body_markdown
    translation.body_html = html
    translation.body_text = html_to_text(html)
    translation.search_config = search_config_for(language)
    translation.updated_by = by
    translation.updated_at = timezone.now()
    translation.save()
    translations_index(ids=[translation.pk])
    ArticleRevision.objects.create(
        article=article,
        language=language,
        title=title,
        body_markdown=body_markdown,
        state=article.state,
        is_internal=article.is_internal,
        author=by,
        summary=summary[:200],
    )
    Article.objects.filter(pk=article.pk).update(updated_at=timezone.now())
    help_center_changed()
    return translation


def translations_index(*, ids: Iterable[int] | None = None) -> int:
    """Refresh the full-text vectors (PostgreSQL only): title weighs more than the body."""
    if connection.vendor != "postgresql":
        return 0
    from django.contrib.postgres.search import SearchVector

    qs = ArticleTranslation.objects.all()
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(
        search_vector=SearchVector("title", weight="A", config=F("search_config"))
        + SearchVector("body_text", weight="B", config=F("search_config"))
    )


def _unique_slug(*, language: str, wanted: str, exclude_pk: int | None) -> str:
    base = (slugify(wanted, allow_unicode=True) or "article")[:200].strip("-") or "article"
    taken = set(
        ArticleTranslation.objects.filter(language=language, slug__startswith=base)
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _set_keywords(*, article: Article, names: Iterable[str]) -> None:
    wanted = sorted({n.strip().lower()[:50] for n in names if n.strip()})
    existing = {k.name: k for k in Keyword.objects.filter(name__in=wanted)}
    missing = [Keyword(name=n) for n in wanted if n not in existing]
    Keyword.objects.bulk_create(missing, ignore_conflicts=True)
    article.keywords.set(Keyword.objects.filter(name__in=wanted))


def article_vote(*, article: Article, visitor: str, helpful: bool) -> bool:
    """Record one visitor's ballot; False if this visitor had already voted on the article."""
    if not article.is_public:
        raise ValidationError("Only published public articles take votes.")
    try:
        with transaction.atomic():
            ArticleVote.objects.create(article=article, visitor=visitor, helpful=helpful)
    except IntegrityError:
        return False
    return True


def article_view_record(*, article_id: int, from_suggestion: bool = False, day: date | None = None) -> None:
    """Count one view: a single upsert on the article's counter row for the day."""
    table = ArticleViewDay._meta.db_table
    _counter_upsert(
        f"INSERT INTO {table} (article_id, day, views, from_suggestion) VALUES (%s, %s, 1, %s) "  # noqa: S608
        f"ON CONFLICT (article_id, day) DO UPDATE SET views = {table}.views + 1, "
        f"from_suggestion = {table}.from_suggestion + EXCLUDED.from_suggestion",
        [article_id, day or timezone.localdate(), int(from_suggestion)],
    )


def _counter_upsert(sql: str, params: list) -> None:
    if connection.vendor == "postgresql" and connection.get_autocommit() and not connection.in_atomic_block:
        # One round trip instead of four: PostgreSQL runs a query string of several statements
        # as one implicit transaction, so SET LOCAL still applies to the upsert alone.
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL synchronous_commit TO OFF; {sql}", params)
        return
    with _statistics_transaction(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@contextmanager
def _statistics_transaction():
    """A transaction for counters: on PostgreSQL its commit does not wait for the disk flush.

    A crash may lose the last few counts, which is fine for statistics and keeps pages fast.
    Inside an outer transaction the setting lasts until that one ends.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        yield


def search_record(*, query: str, language: str, found: bool, day: date | None = None) -> None:
    """Count one help-center search of `query` (normalised: trimmed, lower-case, single spaces)."""
    normalised = " ".join(query.lower().split())[:200]
    if not normalised:
        return
    table = SearchDay._meta.db_table
    _counter_upsert(
        f"INSERT INTO {table} (query, day, language, found, count) VALUES (%s, %s, %s, %s, 1) "  # noqa: S608
        f"ON CONFLICT (query, day, language, found) DO UPDATE SET count = {table}.count + 1",
        [normalised, day or timezone.localdate(), language[:16], found],
    )


def popularity_refresh() -> int:
    """Set each article's popularity to its views over the last 30 days, in one set-based UPDATE."""
    since = timezone.localdate() - timedelta(days=POPULARITY_DAYS)
    views = (
        ArticleViewDay.objects.filter(article=OuterRef("pk"), day__gte=since)
        .values("article")
        .annotate(total=Sum("views"))
        .values("total")
    )
    updated = Article.objects.update(popularity=Coalesce(Subquery(views), 0))
    help_center_changed()  # popular articles and related ones are ordered by it
    return updated


def deflection_suggestions_shown(*, session_key: str, count: int) -> None:
    """The new-ticket form showed `count` article suggestions to this session."""
    if not session_key or count <= 0:
        return
    with _statistics_transaction():
        _suggestions_count(session_key=session_key, count=count)


def _suggestions_count(*, session_key: str, count: int) -> None:
    updated = DeflectionSession.objects.filter(session_key=session_key).update(
        suggestions_shown=F("suggestions_shown") + count
    )
    if not updated:
        try:
            with transaction.atomic():
                DeflectionSession.objects.create(session_key=session_key, suggestions_shown=count)
        except IntegrityError:  # a concurrent request created it first
            DeflectionSession.objects.filter(session_key=session_key).update(
                suggestions_shown=F("suggestions_shown") + count
            )


def deflection_article_opened(*, session_key: str, article_id: int) -> None:
    """The session opened a suggested article (only counts where suggestions were shown)."""
    if not session_key:
        return
    now = timezone.now()
    DeflectionSession.objects.filter(session_key=session_key, first_opened_at__isnull=True).update(
        first_opened_at=now, first_opened_article_id=article_id
    )
    DeflectionSession.objects.filter(session_key=session_key).update(articles_opened=F("articles_opened") + 1)


def deflection_ticket_submitted(*, session_key: str, ticket_id: int | None = None) -> bool:
    """The portal created a ticket from this session: it is no longer a deflected request.

    Call it from the portal after the ticket is created, with the Django session key of the
    request and the new ticket's id. Returns True if the session had been shown suggestions
    (and is now marked as submitted), False otherwise; safe to call more than once (the first
    submission is kept).
    """
    if not session_key:
        return False
    updated = DeflectionSession.objects.filter(
        session_key=session_key, ticket_submitted_at__isnull=True
    ).update(ticket_submitted_at=timezone.now(), ticket_id=ticket_id)
    return bool(updated) or DeflectionSession.objects.filter(session_key=session_key).exists()
