"""The lists behind the self-service figures and their CSV files (formula-safe)."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from kb.models import ArticleVote, DeflectionSession
from kb.services import article_view_record, search_record
from tests.factories import kb_article

pytestmark = pytest.mark.django_db


def span(**extra) -> dict:
    today = timezone.localdate().isoformat()
    return {"from": today, "to": today, **extra}


def rows_of(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.fixture
def searches():
    # 60 different failed queries: query-i searched i times; and one found query that is never listed.
    for i in range(1, 61):
        for _ in range(i % 7 + 1):
            search_record(query=f"query {i:02d}", language="en", found=False)
    search_record(query="password", language="en", found=True)


def test_search_list_pages_every_failed_query_most_frequent_first(client, manager, searches):
    client.force_login(manager)
    first = client.get(reverse("kpis:kb_searches"), span())
    assert first.status_code == 200
    counts = [row.count for row in first.context["rows"]]
    assert len(counts) == 50 and counts == sorted(counts, reverse=True)
    assert first.context["page_obj"].paginator.count == 60
    second = client.get(reverse("kpis:kb_searches"), span(page="2"))
    listed = {row.query for row in first.context["rows"]} | {row.query for row in second.context["rows"]}
    assert len(second.context["rows"]) == 10 and len(listed) == 60 and "password" not in listed
    assert "60 different searches found no article" in first.content.decode()


def test_list_pages_query_count_does_not_grow_with_rows(
    client, manager, searches, django_assert_max_num_queries
):
    articles = [kb_article(title=f"Article {i}") for i in range(12)]
    for article in articles:
        article_view_record(article_id=article.pk)
    client.force_login(manager)
    client.get(reverse("kpis:kb_searches"), span())
    with django_assert_max_num_queries(6):  # session, user and roles, count, page
        response = client.get(reverse("kpis:kb_searches"), span())
    assert len(response.context["rows"]) == 50
    with django_assert_max_num_queries(6):
        response = client.get(reverse("kpis:kb_articles"), span())
    assert len(response.context["rows"]) == 12


def test_article_list_orders_by_unhelpful_votes_and_deflections(client, manager):
    now = timezone.now()
    liked, disliked = kb_article(title="Liked"), kb_article(title="Disliked")
    for i, (article, helpful) in enumerate([(liked, True), (disliked, False), (disliked, False)]):
        ArticleVote.objects.create(article=article, visitor=f"v{i}", helpful=helpful, created_at=now)
    DeflectionSession.objects.create(session_key="s", articles_opened=1, first_opened_article=liked)
    client.force_login(manager)
    unhelpful = client.get(reverse("kpis:kb_articles"), span(order="unhelpful"))
    assert [(r.title, r.unhelpful) for r in unhelpful.context["rows"]] == [("Disliked", 2)]
    assert "most “not helpful” votes" in unhelpful.content.decode()
    deflected = client.get(reverse("kpis:kb_articles"), span(order="deflected"))
    assert [(r.title, r.deflected) for r in deflected.context["rows"]] == [("Liked", 1)]


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("kpis:kb_searches", {"from": "2026-02-01", "to": "2026-01-01"}),
        ("kpis:kb_searches", {"from": "garbage"}),
        ("kpis:kb_articles", {"order": "colour"}),
    ],
)
def test_list_pages_answer_400_to_a_bad_range_or_order(client, manager, name, params):
    client.force_login(manager)
    response = client.get(reverse(name), params)
    assert response.status_code == 400 and response.content


def test_search_export_is_formula_safe_and_complete(client, manager, searches):
    search_record(query='=HYPERLINK("http://evil")', language="en", found=False)
    search_record(query="@SUM(A1)", language="en", found=False)
    client.force_login(manager)
    rows = rows_of(client.get(reverse("kpis:kb_export", args=["kb_searches"]), span()))
    assert rows[0] == ["query", "searches_without_result"]
    assert len(rows) == 1 + 62
    queries = {row[0] for row in rows[1:]}
    assert '\'=hyperlink("http://evil")' in queries and "'@sum(a1)" in queries


def test_article_export_lists_every_article_with_its_figures(client, manager):
    evil = kb_article(title="=cmd|' /C calc'!A0")
    plain = kb_article(title="Plain")
    for _ in range(3):
        article_view_record(article_id=plain.pk)
    article_view_record(article_id=evil.pk)
    ArticleVote.objects.create(article=plain, visitor="v", helpful=True, created_at=timezone.now())
    client.force_login(manager)
    rows = rows_of(client.get(reverse("kpis:kb_export", args=["kb_articles"]), span(order="views")))
    assert rows[0][:4] == ["article_id", "title", "category", "views"]
    assert [row[1] for row in rows[1:]] == ["Plain", "'=cmd|' /C calc'!A0"]
    assert rows[1][3:7] == ["3", "1", "1", "1.0"]


def test_tile_export_has_the_tiles_with_the_previous_period(client, manager):
    article_view_record(article_id=kb_article().pk)
    client.force_login(manager)
    rows = rows_of(client.get(reverse("kpis:kb_export", args=["self_service"]), span()))
    assert rows[0] == ["metric", "label", "value", "previous", "change", "unit"]
    assert [row[0] for row in rows[1:]] == [
        "article_views",
        "helpful_ratio",
        "deflection_rate",
        "searches_without_result",
    ]
    assert rows[1][2:5] == ["1", "0", "1"]
    assert client.get(reverse("kpis:kb_export", args=["nope"]), span()).status_code == 404


def test_lists_and_exports_refuse_agents(client, agent):
    client.force_login(agent)
    assert client.get(reverse("kpis:kb_searches")).status_code == 403
    assert client.get(reverse("kpis:kb_export", args=["kb_searches"])).status_code == 403
