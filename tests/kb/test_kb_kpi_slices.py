"""The help-center KPI reads sliced by dimension, the per-article table and the deflection rate."""

import datetime as dt

import pytest
from django.utils import timezone

from kb.insights import (
    FailedSearch,
    kb_article_table,
    kb_article_table_count,
    kb_article_views_by,
    kb_deflection_rate,
    kb_failed_search_count,
    kb_failed_searches,
    kb_failed_searches_by,
)
from kb.models import ArticleVote, DeflectionSession
from kb.services import article_view_record, search_record
from tests.factories import KbSectionFactory, kb_article

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 15)


def test_failed_searches_by_language_keep_each_languages_most_frequent():
    for query, language, times in [
        ("a", "en", 3),
        ("b", "en", 2),
        ("c", "en", 1),
        ("x", "de", 1),
        ("y", "de", 5),
    ]:
        for _ in range(times):
            search_record(query=query, language=language, found=False, day=TODAY)
    search_record(query="found it", language="en", found=True, day=TODAY)
    top = kb_failed_searches_by(date_from=TODAY, date_to=TODAY, by="language", limit=2)
    assert top == {
        "de": [FailedSearch("y", 5), FailedSearch("x", 1)],
        "en": [FailedSearch("a", 3), FailedSearch("b", 2)],
    }
    assert kb_failed_search_count(date_from=TODAY, date_to=TODAY) == 5
    assert kb_failed_search_count(date_from=TODAY, date_to=TODAY, filters={"language": "de"}) == 2
    second_page = kb_failed_searches(date_from=TODAY, date_to=TODAY, limit=2, offset=2)
    assert second_page == [FailedSearch("b", 2), FailedSearch("c", 1)]


def test_article_views_by_category_and_filtered_by_article():
    billing, account = KbSectionFactory(), KbSectionFactory()
    a, b, c = kb_article(section=billing), kb_article(section=billing), kb_article(section=account)
    for article, times in ((a, 2), (b, 3), (c, 4)):
        for _ in range(times):
            article_view_record(article_id=article.pk, day=TODAY)
    span = {"date_from": TODAY, "date_to": TODAY}
    assert kb_article_views_by(**span, by="category") == {billing.category_id: 5, account.category_id: 4}
    assert kb_article_views_by(**span, filters={"article": b.pk}) == {None: 3}
    assert kb_article_views_by(**span, by="article", filters={"category": account.category_id}) == {c.pk: 4}


def test_article_table_ranks_by_views_unhelpful_votes_or_deflections():
    now = timezone.now()
    today = timezone.localdate()
    a, b, c = kb_article(title="Alpha"), kb_article(title="Beta"), kb_article(title="Gamma")
    for article, times in ((a, 5), (b, 1)):
        for _ in range(times):
            article_view_record(article_id=article.pk)
    for i, (article, helpful) in enumerate([(a, True), (b, False), (b, False), (c, False), (a, False)]):
        ArticleVote.objects.create(article=article, visitor=f"v{i}", helpful=helpful, created_at=now)
    for i, (article, submitted) in enumerate([(c, None), (c, None), (a, None), (a, now)]):
        DeflectionSession.objects.create(
            session_key=f"s{i}",
            articles_opened=1,
            first_opened_article=article,
            ticket_submitted_at=submitted,
        )
    span = {"date_from": today, "date_to": today}
    by_views = kb_article_table(**span)
    assert [(r.title, r.views, r.helpful, r.votes, r.deflected) for r in by_views] == [
        ("Alpha", 5, 1, 2, 1),
        ("Beta", 1, 0, 2, 0),
    ]
    assert by_views[0].ratio == 0.5 and by_views[0].category == a.section.category.name
    assert [r.title for r in kb_article_table(**span, order="unhelpful")] == ["Beta", "Alpha", "Gamma"]
    assert [r.title for r in kb_article_table(**span, order="deflected")] == ["Gamma", "Alpha"]
    assert [r.title for r in kb_article_table(**span, order="unhelpful", limit=1, offset=1)] == ["Alpha"]
    assert kb_article_table_count(**span, order="unhelpful") == 3


def test_deflection_rate_leaves_out_sessions_with_no_outcome():
    now = timezone.now()
    outcomes = [(1, None), (2, None), (1, now), (0, now), (0, None), (0, None)]
    for i, (opened, submitted) in enumerate(outcomes):
        DeflectionSession.objects.create(
            session_key=f"s{i}", articles_opened=opened, ticket_submitted_at=submitted
        )
    today = timezone.localdate()
    rate = kb_deflection_rate(date_from=today, date_to=today)
    assert (rate.sessions, rate.opened, rate.deflected, rate.submitted) == (6, 3, 2, 2)
    assert rate.requests == 4 and rate.rate == 0.5
