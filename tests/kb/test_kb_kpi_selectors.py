"""The help-center KPIs against a brute-force count of the same rows."""

import datetime as dt
from collections import Counter

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb.insights import (
    kb_article_views,
    kb_deflection_rate,
    kb_failed_searches,
    kb_helpful_ratio,
    kb_top_articles,
)
from kb.models import ArticleVote, DeflectionSession, SearchDay
from kb.services import article_view_record, search_record
from tests.factories import kb_article

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 15)


def test_article_views_sum_the_days_in_range():
    a, b = kb_article(title="A"), kb_article(title="B")
    for day_offset, article, times in [(0, a, 3), (1, a, 2), (1, b, 6), (9, b, 7)]:
        for _ in range(times):
            article_view_record(article_id=article.pk, day=TODAY - dt.timedelta(days=day_offset))
    assert kb_article_views(date_from=TODAY - dt.timedelta(days=1), date_to=TODAY) == 11
    assert kb_article_views(date_from=TODAY - dt.timedelta(days=30), date_to=TODAY) == 18
    top = kb_top_articles(date_from=TODAY - dt.timedelta(days=1), date_to=TODAY)
    assert [(r["title"], r["views"]) for r in top] == [("B", 6), ("A", 5)]


def test_helpful_ratio_counts_votes_in_range():
    article = kb_article()
    now = timezone.now()
    for i, helpful in enumerate([True, True, False, True]):
        ArticleVote.objects.create(article=article, visitor=f"v{i}", helpful=helpful, created_at=now)
    ArticleVote.objects.create(
        article=article, visitor="old", helpful=False, created_at=now - dt.timedelta(days=40)
    )
    today = timezone.localdate()
    ratio = kb_helpful_ratio(date_from=today - dt.timedelta(days=7), date_to=today)
    assert (ratio.helpful, ratio.total, ratio.ratio) == (3, 4, 0.75)
    assert (
        kb_helpful_ratio(date_from=today + dt.timedelta(days=1), date_to=today + dt.timedelta(days=2)).ratio
        is None
    )


searches = st.lists(
    st.tuples(
        st.sampled_from(["wifi", "Wifi ", "refund", "dark mode", "api key"]), st.booleans(), st.integers(0, 5)
    ),
    max_size=30,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=searches)
def test_failed_searches_match_brute_force(rows):
    SearchDay.objects.all().delete()
    for query, found, offset in rows:
        search_record(query=query, language="en", found=found, day=TODAY - dt.timedelta(days=offset))
    window = (TODAY - dt.timedelta(days=3), TODAY)
    expected = Counter(" ".join(q.lower().split()) for q, found, offset in rows if not found and offset <= 3)
    got = kb_failed_searches(date_from=window[0], date_to=window[1])
    assert {f.query: f.count for f in got} == dict(expected)
    assert [f.count for f in got] == sorted((f.count for f in got), reverse=True)


sessions = st.lists(st.tuples(st.integers(0, 3), st.booleans(), st.integers(-5, 5)), max_size=20)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=sessions)
def test_deflection_rate_matches_brute_force(rows):
    DeflectionSession.objects.all().delete()
    now = timezone.now()
    for i, (opened, submitted, offset) in enumerate(rows):
        DeflectionSession.objects.create(
            session_key=f"s{i}",
            suggestions_shown=1,
            articles_opened=opened,
            first_shown_at=now + dt.timedelta(days=offset),
            ticket_submitted_at=now if submitted else None,
        )
    today = timezone.localdate()
    in_range = [r for r in rows if -2 <= ((now + dt.timedelta(days=r[2])).date() - today).days <= 0]
    rate = kb_deflection_rate(date_from=today - dt.timedelta(days=2), date_to=today)
    assert rate.sessions == len(in_range)
    assert rate.deflected == sum(1 for o, s, _ in in_range if o > 0 and not s)
    assert rate.submitted == sum(1 for _, s, _ in in_range if s)


def test_insights_page_shows_the_kpis(client, agent):
    article = kb_article(title="Popular one")
    article_view_record(article_id=article.pk)
    search_record(query="teleport", language="en", found=False)
    client.force_login(agent)
    html = client.get(reverse("kb:insights")).content.decode()
    assert "Popular one" in html and "teleport" in html


def test_insights_page_rejects_a_reversed_range(client, agent):
    client.force_login(agent)
    response = client.get(reverse("kb:insights"), {"date_from": "2026-03-10", "date_to": "2026-03-01"})
    assert response.status_code == 200
    assert "on or before the end date" in response.content.decode()
    assert client.get(reverse("kb:insights"), {"date_from": "garbage"}).status_code == 200
