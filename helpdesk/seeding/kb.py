"""Demo knowledge base: categories, sections and articles (5,000 when --tickets is 20,000 or more,
as the help-center budgets of issue #8 assume; scaled down for small runs), translations in
several languages including Yiddish, and a month of views, votes, searches and deflection
sessions for the insights page and the dashboard."""

from datetime import timedelta

from django.db import connection
from django.utils import timezone
from django.utils.text import slugify

from kb.markdown import html_to_text, render_markdown
from kb.models import (
    Article,
    ArticleRevision,
    ArticleTranslation,
    ArticleViewDay,
    ArticleVote,
    Category,
    DeflectionSession,
    Keyword,
    SearchDay,
    Section,
)
from kb.services import popularity_refresh, search_config_for, translations_index

from . import Seeder

MAX_ARTICLES = 5000

CATEGORIES = (
    (
        "Account and sign-in",
        "person-lock",
        "Passwords, two-step sign-in and profiles.",
        ("Passwords", "Two-step sign-in", "Profile"),
        ("password", "sign-in code", "email address", "profile photo"),
    ),
    (
        "Billing and payments",
        "credit-card",
        "Invoices, refunds, plans and payment methods.",
        ("Invoices", "Refunds", "Plans"),
        ("invoice", "refund", "annual plan", "credit card"),
    ),
    (
        "Orders and delivery",
        "truck",
        "Tracking, returns and delivery addresses.",
        ("Tracking", "Returns", "Addresses"),
        ("parcel", "return label", "delivery address", "tracking number"),
    ),
    (
        "Using the app",
        "phone",
        "Getting started, notifications and troubleshooting.",
        ("Getting started", "Notifications", "Troubleshooting"),
        ("photo upload", "dark mode", "notification", "offline mode"),
    ),
    (
        "Teams and permissions",
        "people",
        "Inviting colleagues, roles and shared folders.",
        ("Members", "Roles", "Shared folders"),
        ("team member", "admin role", "shared folder", "guest access"),
    ),
    (
        "Integrations and API",
        "plug",
        "API keys, webhooks and connected apps.",
        ("API keys", "Webhooks", "Connected apps"),
        ("API key", "webhook", "calendar sync", "export"),
    ),
)
ACTIONS = (
    "How to change your {o}",
    "How to set up your {o}",
    "Troubleshooting the {o}",
    "Why is my {o} not working?",
    "Understanding the {o}",
    "Removing a {o}",
    "Where to find your {o}",
    "Updating the {o} on a phone",
)
VARIANTS = (
    "",
    " (iPhone)",
    " (Android)",
    " on the web",
    " for teams",
    " for new customers",
    " in the desktop app",
    " for businesses",
    ", step by step",
    " (2026 update)",
)
BODY = """{title}.

## Before you start

Make sure you are signed in and have the latest version of the app. This guide covers the **{o}**
for {audience}.

## Steps

1. Open **Settings** and choose *{section}*.
2. Find the {o} and press **Edit**.
3. Follow the instructions on the screen and press **Save**.

> Tip: changes to the {o} take effect within a few minutes.

If the {o} still does not work, [contact support](/portal/) and tell us what you tried.
"""
YIDDISH_TITLES = (
    "ווי אַזוי צו בײַטן דאָס פּאַראָל",
    "וואָס טוט מען ווען די באַשטעלונג קומט נישט אָן",
    "ווי אַזוי באַקומט מען צוריק דאָס געלט",
    "ווי אַזוי צו פֿאַרבעסערן דעם חשבון",
    "ווו געפֿינט מען די רעכענונג",
)
YIDDISH_BODY = """{title}.

## איידער איר הייבט אָן

זײַט זיכער אַז איר זײַט אַרײַנלאָגירט. די אָנווײַזונג איז פֿאַר **{o}**.

1. עפֿנט **באַשטימונגען**.
2. דריקט **ענדערן**.
3. דריקט **היטן**.

אויב עס אַרבעט נאָך אַלץ נישט, [שרײַבט אונדז](/portal/).
"""
GERMAN_BODY = """{title}.

Öffnen Sie **Einstellungen**, wählen Sie *{section}* und folgen Sie den Anweisungen ({o}).
"""
FAILED_QUERIES = (
    "teleport",
    "crypto payment",
    "fax number",
    "change username",
    "delete history",
    "student discount",
)


def seed(seeder: Seeder) -> None:
    if Article.objects.exists():
        seeder.log("knowledge base: already present; nothing added")
        return
    total = article_count(seeder.tickets)
    sections = _categories_and_sections()
    article_ids = _articles(seeder, sections, total)
    translations_index()
    _activity(seeder, article_ids)
    popularity_refresh()
    if connection.vendor == "postgresql":  # fresh statistics for the planner after the bulk load
        with connection.cursor() as cursor:
            cursor.execute(
                "ANALYZE kb_article, kb_articletranslation, kb_article_keywords, kb_articleviewday"
            )
    seeder.log(f"knowledge base: {total} articles in {len(sections)} sections")


def article_count(tickets: int) -> int:
    """How many articles a demo of `tickets` tickets gets: a quarter as many, 40 to 5,000."""
    return min(MAX_ARTICLES, max(40, tickets // 4))


def _categories_and_sections() -> list[tuple[Section, tuple[str, ...]]]:
    sections = []
    for position, (name, icon, description, section_names, objects) in enumerate(CATEGORIES):
        category = Category.objects.create(
            name=name, slug=slugify(name), icon=icon, description=description, position=position
        )
        for i, section_name in enumerate(section_names):
            section = Section.objects.create(
                category=category, name=section_name, slug=slugify(section_name), position=i
            )
            sections.append((section, objects))
    return sections


def _articles(seeder: Seeder, sections, total: int) -> list[int]:
    rng = seeder.rng
    first_id = seeder.next_id(Article)
    keywords = _keywords(sections)
    authors = seeder.ids.get("agents") or [None]
    articles, translations, revisions, links, slugs = [], [], [], [], set()
    for i in range(total):
        pk = first_id + i
        section, objects = sections[i % len(sections)]
        obj = objects[(i // len(sections)) % len(objects)]
        variant = VARIANTS[(i // (len(sections) * len(objects) * len(ACTIONS))) % len(VARIANTS)]
        title = ACTIONS[(i // (len(sections) * len(objects))) % len(ACTIONS)].format(o=obj) + variant
        roll = rng.random()
        state = "draft" if roll < 0.07 else "archived" if roll < 0.10 else "published"
        internal = state == "published" and rng.random() < 0.03
        created = seeder.random_instant()
        author = rng.choice(authors)
        articles.append((pk, section.pk, state, internal, i % 50, 0, author, created, created, created))
        links.append((pk, keywords[obj]))
        bodies = [("en", title, BODY.format(title=title, o=obj, section=section.name, audience=_audience(i)))]
        if rng.random() < 0.2:
            yi_title = f"{rng.choice(YIDDISH_TITLES)} ({obj})"
            bodies.append(("yi", yi_title, YIDDISH_BODY.format(title=yi_title, o=obj)))
        if rng.random() < 0.1:
            de_title = f"{title} – Anleitung"
            bodies.append(("de", de_title, GERMAN_BODY.format(title=de_title, o=obj, section=section.name)))
        for language, text_title, markdown in bodies:
            html = render_markdown(markdown)
            slug = _slug(slugs, language, text_title)
            translations.append(
                (
                    pk,
                    language,
                    text_title,
                    slug,
                    markdown,
                    html,
                    html_to_text(html),
                    search_config_for(language),
                    author,
                    created,
                )
            )
            revisions.append(
                (pk, language, text_title, markdown, state, internal, author, "Created", created)
            )
    seeder.insert(
        Article,
        [
            "id",
            "section",
            "state",
            "is_internal",
            "position",
            "popularity",
            "created_by",
            "created_at",
            "updated_at",
            "published_at",
        ],
        articles,
    )
    seeder.reset_sequence(Article)
    seeder.insert(
        ArticleTranslation,
        [
            "article",
            "language",
            "title",
            "slug",
            "body_markdown",
            "body_html",
            "body_text",
            "search_config",
            "updated_by",
            "updated_at",
        ],
        translations,
    )
    seeder.insert(
        ArticleRevision,
        [
            "article",
            "language",
            "title",
            "body_markdown",
            "state",
            "is_internal",
            "author",
            "summary",
            "created_at",
        ],
        revisions,
    )
    through = Article.keywords.through
    seeder.insert(through, ["article", "keyword"], links)
    for model in (ArticleTranslation, ArticleRevision, through):
        seeder.reset_sequence(model)
    return [row[0] for row in articles if row[2] == "published" and not row[3]]


def _keywords(sections) -> dict[str, int]:
    names = sorted({obj for _, objects in sections for obj in objects})
    Keyword.objects.bulk_create([Keyword(name=n.lower()) for n in names], ignore_conflicts=True)
    by_name = dict(Keyword.objects.filter(name__in=[n.lower() for n in names]).values_list("name", "pk"))
    return {n: by_name[n.lower()] for n in names}


def _audience(i: int) -> str:
    return ("everyone", "account owners", "team admins", "new customers")[i % 4]


def _slug(taken: set, language: str, title: str) -> str:
    base = slugify(title, allow_unicode=True)[:200] or "article"
    slug, n = base, 2
    while (language, slug) in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add((language, slug))
    return slug


def _activity(seeder: Seeder, public_ids: list[int]) -> None:
    """A month of views (a few articles draw most of them), votes, searches and deflection."""
    rng, today, now = seeder.rng, timezone.localdate(), timezone.now()
    hot = public_ids[: max(1, len(public_ids) // 20)]
    views = []
    for offset in range(30):
        day = today - timedelta(days=offset)
        for pk in rng.sample(hot, min(len(hot), 40)):
            views.append((pk, day, rng.randint(5, 60), rng.randint(0, 4)))
        for pk in rng.sample(public_ids, min(len(public_ids), 60)):
            if pk not in hot:
                views.append((pk, day, rng.randint(1, 4), 0))
    seeder.insert(ArticleViewDay, ["article", "day", "views", "from_suggestion"], _unique(views, 2))
    votes = [
        (rng.choice(hot), f"seed{i:028d}", rng.random() < 0.78, now - timedelta(hours=rng.randint(0, 720)))
        for i in range(min(3000, len(public_ids) * 2))
    ]
    seeder.insert(ArticleVote, ["article", "visitor", "helpful", "created_at"], _unique(votes, 2))
    searches = []
    for offset in range(30):
        day = today - timedelta(days=offset)
        for query in rng.sample(FAILED_QUERIES, 3):
            searches.append((query, day, "en", False, rng.randint(1, 6)))
        searches.append(("password", day, "en", True, rng.randint(5, 30)))
        searches.append(("refund", day, "en", True, rng.randint(3, 20)))
    seeder.insert(SearchDay, ["query", "day", "language", "found", "count"], searches)
    sessions = []
    for i in range(min(1500, len(public_ids))):
        shown = now - timedelta(minutes=rng.randint(0, 30 * 24 * 60))
        opened = rng.random() < 0.45
        submitted = rng.random() < (0.35 if opened else 0.8)
        sessions.append(
            (
                f"seed-{i}",
                shown,
                rng.randint(1, 5),
                int(opened),
                shown if opened else None,
                rng.choice(hot) if opened else None,
                shown + timedelta(minutes=3) if submitted else None,
            )
        )
    seeder.insert(
        DeflectionSession,
        [
            "session_key",
            "first_shown_at",
            "suggestions_shown",
            "articles_opened",
            "first_opened_at",
            "first_opened_article",
            "ticket_submitted_at",
        ],
        sessions,
    )
    for model in (ArticleViewDay, ArticleVote, SearchDay, DeflectionSession):
        seeder.reset_sequence(model)


def _unique(rows: list[tuple], width: int) -> list[tuple]:
    """Rows with distinct leading `width` columns (the table's unique key), first one kept."""
    seen, kept = set(), []
    for row in rows:
        if row[:width] not in seen:
            seen.add(row[:width])
            kept.append(row)
    return kept
