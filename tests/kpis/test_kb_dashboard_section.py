"""The dashboard's "Self-service" section shows the KPI API's numbers, in a bounded number of queries."""

import random
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kb.services import article_view_record
from kpis.forms import previous_period
from kpis.kb_dashboard import section
from tests.factories import KbCategoryFactory, KbSectionFactory, kb_article

from .kb_reference import generate

pytestmark = pytest.mark.django_db


@pytest.fixture
def articles(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    made = []
    for c in range(3):
        section = KbSectionFactory(category=KbCategoryFactory(name=f"Topic {c}"))
        for a in range(4):
            article = kb_article(title=f"Answer {c}-{a}", section=section)
            article.title, article.category_id = f"Answer {c}-{a}", section.category_id
            article.category_name = section.category.name
            made.append(article)
    return made


def api(client, metric: str, date_from, date_to, **params) -> dict:
    span = {"from": date_from.isoformat(), "to": date_to.isoformat()}
    response = client.get(reverse("kpis_api:metric", args=[metric]), {**span, **params})
    assert response.status_code == 200
    return response.json()["results"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_self_service_section_shows_the_apis_numbers(client, manager, articles, seed):
    activity = generate(random.Random(seed), articles, timezone.localdate(), days=60)
    client.force_login(manager)
    response = client.get(reverse("kpis:dashboard"), {"range": "30"})
    assert response.status_code == 200
    shown = response.context["self_service"]
    date_from, date_to = response.context["query"]["date_from"], response.context["query"]["date_to"]
    figures = {"article_views": "value", "helpful_ratio": "rate", "deflection_rate": "rate"}
    figures["searches_without_result"] = "value"
    tiles = {tile.name: tile for tile in shown["tiles"]}
    for name, figure in figures.items():
        assert tiles[name].value == api(client, name, date_from, date_to)[0][figure], name
        before = api(client, name, *previous_period(date_from, date_to))[0][figure]
        assert tiles[name].previous == before, name
    failed = api(client, "searches_without_result", date_from, date_to)[0]
    listed = [{"query": row.query, "count": row.count} for row in shown["failed_searches"]]
    assert listed == failed["queries"][:10]
    assert tiles["searches_without_result"].extra == [("searches", failed["searches"])]
    by_article = api(client, "article_views", date_from, date_to, by="article")
    top = sorted(by_article, key=lambda r: (-r["value"], r["key"]))[:10]
    assert [(a.article_id, a.title, a.views) for a in shown["top_articles"]] == [
        (r["key"], r["label"], r["value"]) for r in top
    ]
    helpful = {r["key"]: r for r in api(client, "helpful_ratio", date_from, date_to, by="article")}
    for row in shown["top_articles"]:
        assert row.votes == helpful.get(row.article_id, {}).get("denominator", 0)
    assert activity.views or not shown["top_articles"]


def test_self_service_section_renders_tiles_and_tables(client, manager, articles):
    generate(random.Random(7), articles, timezone.localdate())
    client.force_login(manager)
    html = client.get(reverse("kpis:dashboard")).content.decode()
    assert 'id="self-service"' in html and 'data-metric="deflection_rate"' in html
    assert 'id="failed-searches"' in html and 'id="top-articles"' in html
    assert reverse("kpis:kb_searches") in html and reverse("kpis:kb_export", args=["kb_articles"]) in html
    assert "without the ticket filters" not in html
    filtered = client.get(reverse("kpis:dashboard"), {"range": "7", "channel": "email"}).content.decode()
    assert "without the ticket filters" in filtered


def test_self_service_section_query_count_is_bounded(articles, django_assert_max_num_queries):
    generate(random.Random(5), articles, timezone.localdate(), days=60)
    for article in articles:  # more viewed articles than the table shows
        article_view_record(article_id=article.pk)
    today = timezone.localdate()
    # Four tiles for two periods, the top searches, and two for the top articles.
    with django_assert_max_num_queries(11):
        shown = section(today - timedelta(days=29), today)
    assert len(shown["top_articles"]) == 10 and len(articles) > 10
    assert len(shown["tiles"]) == 4 and shown["failed_searches"]


def test_self_service_section_is_cached_for_a_minute_and_says_as_of_when(articles, django_assert_num_queries):
    from datetime import timedelta

    from django.core.cache import cache
    from django.utils import timezone

    from kb.services import article_view_record
    from kpis.kb_dashboard import FRESH_SECONDS, section

    today = timezone.localdate()
    first = section(today - timedelta(days=29), today)
    assert timezone.now() - first["as_of"] < timedelta(seconds=5)
    article_view_record(article_id=articles[0].pk)
    with django_assert_num_queries(0):
        again = section(today - timedelta(days=29), today)
    assert again["tiles"] == first["tiles"] and again["as_of"] == first["as_of"]
    assert FRESH_SECONDS <= 60  # the dashboard promises figures at most a minute behind
    cache.clear()  # as when the minute is over
    fresh = section(today - timedelta(days=29), today)
    views = {tile.name: tile.value for tile in fresh["tiles"]}["article_views"]
    assert views == {tile.name: tile.value for tile in first["tiles"]}["article_views"] + 1
