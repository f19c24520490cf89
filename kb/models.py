"""The knowledge base: articles in sections and categories, their translations and revisions,
and the cheap counters the help center's KPIs are computed from.

An article's state and internal flag apply to all its translations. Each translation keeps
its Markdown source and the sanitised HTML rendered from it when it was saved, so pages never
render Markdown per request. On PostgreSQL `search_vector` is filled by the services and
searched through a GIN index created by migration 0002 (PostgreSQL only).
"""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone


class Category(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True, allow_unicode=True)
    description = models.CharField(max_length=300, blank=True)
    icon = models.CharField(max_length=40, blank=True, help_text="A Bootstrap icon name, e.g. 'credit-card'.")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Section(models.Model):
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="sections")
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, allow_unicode=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["category__position", "position", "name"]
        constraints = [models.UniqueConstraint(fields=["category", "slug"], name="kb_section_slug_uniq")]

    def __str__(self) -> str:
        return f"{self.category} / {self.name}"


class Keyword(models.Model):
    name = models.CharField(max_length=50, unique=True, help_text="Lower-case.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ArticleQuerySet(models.QuerySet):
    def public(self):
        """What anonymous visitors may see: published and not internal."""
        return self.filter(state=Article.State.PUBLISHED, is_internal=False)


class Article(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        ARCHIVED = "archived", "Archived"

    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="articles")
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    is_internal = models.BooleanField(
        default=False, help_text="Agents only: never shown in the public help center."
    )
    keywords = models.ManyToManyField(Keyword, related_name="articles", blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    # Views over the last 30 days, refreshed from ArticleViewDay by a periodic task.
    popularity = models.PositiveIntegerField(default=0)
    source_ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["state", "is_internal", "-popularity"], name="kb_article_popular_idx"),
            models.Index(fields=["section", "state", "position"], name="kb_article_section_idx"),
            models.Index(fields=["-updated_at"], name="kb_article_updated_idx"),
        ]

    def __str__(self) -> str:
        return f"Article {self.pk}"

    @property
    def is_public(self) -> bool:
        return self.state == self.State.PUBLISHED and not self.is_internal


class ArticleTranslation(models.Model):
    """The article in one language; the default language's translation always exists."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(max_length=16)
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, allow_unicode=True)
    body_markdown = models.TextField()
    body_html = models.TextField(help_text="Rendered from body_markdown and sanitised; safe to display.")
    body_text = models.TextField(help_text="Plain text of the body, for search and snippets.")
    search_config = models.CharField(max_length=20, default="simple")
    search_vector = SearchVectorField(null=True, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["language"]
        constraints = [
            models.UniqueConstraint(fields=["article", "language"], name="kb_translation_lang_uniq"),
            models.UniqueConstraint(fields=["language", "slug"], name="kb_translation_slug_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.title} [{self.language}]"

    @property
    def is_rtl(self) -> bool:
        return self.language.split("-")[0] in settings.KB_RTL_LANGUAGES


class ArticleRevision(models.Model):
    """A snapshot of one translation after each save: who changed what, and when."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    language = models.CharField(max_length=16)
    title = models.CharField(max_length=200)
    body_markdown = models.TextField()
    state = models.CharField(max_length=10, choices=Article.State.choices)
    is_internal = models.BooleanField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    summary = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["article", "language", "-id"], name="kb_revision_article_idx")]

    def __str__(self) -> str:
        return f"Revision {self.pk} of article {self.article_id} [{self.language}]"


class ArticleVote(models.Model):
    """One "was this helpful?" ballot per visitor (a signed cookie) and article."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="votes")
    visitor = models.CharField(max_length=64)
    helpful = models.BooleanField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "visitor"], name="kb_vote_visitor_uniq")]
        indexes = [models.Index(fields=["created_at"], name="kb_vote_created_idx")]

    def __str__(self) -> str:
        return f"{'helpful' if self.helpful else 'not helpful'} on {self.article_id}"


class ArticleViewDay(models.Model):
    """Views of one article on one day: a counter incremented by one upsert per view."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="view_days")
    day = models.DateField()
    views = models.PositiveIntegerField(default=0)
    from_suggestion = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "day"], name="kb_viewday_uniq")]
        indexes = [models.Index(fields=["day"], name="kb_viewday_day_idx")]

    def __str__(self) -> str:
        return f"{self.views} views of {self.article_id} on {self.day}"


class SearchDay(models.Model):
    """Help-center searches of one normalised query on one day, and whether it found anything."""

    query = models.CharField(max_length=200)
    day = models.DateField()
    language = models.CharField(max_length=16)
    found = models.BooleanField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["query", "day", "language", "found"], name="kb_searchday_uniq")
        ]
        indexes = [models.Index(fields=["day", "found"], name="kb_searchday_day_idx")]

    def __str__(self) -> str:
        return f"{self.query!r}: {self.count} on {self.day}"


class DeflectionSession(models.Model):
    """One portal session in which the new-ticket form showed article suggestions.

    Deflected: an article was opened from a suggestion and no ticket was submitted.
    """

    session_key = models.CharField(max_length=64, unique=True)
    first_shown_at = models.DateTimeField(default=timezone.now)
    suggestions_shown = models.PositiveIntegerField(default=0)
    articles_opened = models.PositiveIntegerField(default=0)
    first_opened_at = models.DateTimeField(null=True, blank=True)
    first_opened_article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ticket_submitted_at = models.DateTimeField(null=True, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["first_shown_at"], name="kb_deflection_shown_idx")]

    def __str__(self) -> str:
        return f"Deflection session from {self.first_shown_at:%Y-%m-%d %H:%M}"

    @property
    def is_deflected(self) -> bool:
        return self.articles_opened > 0 and self.ticket_submitted_at is None
