"""The help-center metrics of the KPI API against a brute-force count of random activity."""

import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.services import api_token_create
from helpdesk.roles import AGENT, MANAGER
from kpis.kb_metrics import KB_METRICS
from tests.factories import KbCategoryFactory, KbSectionFactory, kb_article, staff_user

from .kb_reference import expected, generate

pytestmark = pytest.mark.django_db


def url(metric: str) -> str:
    return reverse("kpis_api:metric", args=[metric])


@pytest.fixture
def articles(settings):
    # Local days that are not UTC days, so a vote near midnight tests the day boundary.
    settings.TIME_ZONE = "Pacific/Auckland"
    made = []
    for c in range(2):
        category = KbCategoryFactory(name=f"Category {c}")
        section = KbSectionFactory(category=category)
        for a in range(2):
            title = f"Article {c}-{a}"
            article = kb_article(title=title, section=section)
            article.title, article.category_id, article.category_name = title, category.pk, category.name
            made.append(article)
    return made


def answer(client, metric: str, **params) -> dict:
    response = client.get(url(metric), params)
    assert response.status_code == 200, response.content
    return json.loads(response.content)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rng=st.randoms(use_true_random=False))
def test_kb_metrics_equal_a_brute_force_count(client, manager, articles, rng):
    client.force_login(manager)
    cache.clear()  # each example starts with a fresh API rate limit
    today = timezone.localdate()
    activity = generate(rng, articles, today)
    ranges = [(today - timedelta(days=3), today), (today - timedelta(days=11), today - timedelta(days=4))]
    for date_from, date_to in ranges:
        span = {"from": date_from.isoformat(), "to": date_to.isoformat()}
        questions = [(name, by, {}) for name, dims in KB_METRICS.items() for by in (None, *dims)]
        questions += [
            ("article_views", "article", {"category": articles[0].category_id}),
            ("helpful_ratio", None, {"category": articles[0].category_id}),
            ("searches_without_result", None, {"language": "de"}),
        ]
        for name, by, filters in questions:
            got = answer(client, name, **span, **({"by": by} if by else {}), **filters)
            assert got == expected(name, activity, date_from, date_to, by, filters), (name, by, filters)


def test_kb_metric_rows_have_the_api_shape(client, manager, articles):
    client.force_login(manager)  # articles but no activity: every figure is zero or null
    assert answer(client, "article_views")["results"] == [{"key": None, "value": 0}]
    assert answer(client, "helpful_ratio")["results"] == [
        {"key": None, "numerator": 0, "denominator": 0, "rate": None}
    ]
    assert answer(client, "searches_without_result")["results"] == [
        {"key": None, "value": 0, "searches": 0, "queries": []}
    ]
    assert answer(client, "deflection_rate")["results"] == [
        {"key": None, "numerator": 0, "denominator": 0, "rate": None}
    ]
    assert answer(client, "article_views", by="category")["results"] == []


@pytest.mark.parametrize(
    ("metric", "params", "field", "words"),
    [
        ("article_views", {"by": "team"}, "by", "sliced by team; its dimensions are category, article"),
        ("article_views", {"by": "language"}, "by", "cannot be sliced by language"),
        ("helpful_ratio", {"channel": "email"}, "channel", "cannot be filtered by channel"),
        ("searches_without_result", {"by": "category"}, "by", "its dimensions are language"),
        ("searches_without_result", {"language": "klingon"}, "language", "Unknown language"),
        ("deflection_rate", {"by": "category"}, "by", "it has no dimensions"),
        ("deflection_rate", {"language": "en"}, "language", "cannot be filtered by language"),
        ("article_views", {"category": "billing"}, "category", "must be an id or 'none'"),
        ("article_views", {"colour": "red"}, "colour", "Unknown parameter"),
        ("article_views", {"from": "2026-02-01", "to": "2026-01-01"}, "non_field_errors", "not be after"),
        ("helpful_ratio", {"to": "tomorrow"}, "to", "valid date"),
    ],
)
def test_kb_metrics_reject_what_does_not_apply_with_400(client, manager, metric, params, field, words):
    client.force_login(manager)
    response = client.get(url(metric), params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and words in " ".join(body["errors"][field])


def test_ticket_metrics_still_refuse_kb_dimensions(client, manager):
    client.force_login(manager)
    assert client.get(url("volume"), {"by": "category"}).status_code == 400
    assert client.get(url("volume"), {"language": "en"}).status_code == 400


def test_kb_metrics_need_a_manager_and_the_kpis_scope(client, articles):
    manager, agent = staff_user(MANAGER, username="boss"), staff_user(AGENT, username="writer")
    client.force_login(agent)
    assert client.get(url("article_views")).status_code == 403
    client.logout()
    assert client.get(url("article_views")).status_code in (401, 403)
    for scopes, status in ((["kpis:read"], 200), (["all"], 200), (["tickets:read"], 403)):
        _, raw = api_token_create(name="t", user=manager, scopes=scopes)
        response = client.get(url("deflection_rate"), HTTP_AUTHORIZATION=f"Token {raw}")
        assert response.status_code == status, scopes
    _, raw = api_token_create(name="t", user=agent, scopes=["kpis:read"])
    assert client.get(url("article_views"), HTTP_AUTHORIZATION=f"Token {raw}").status_code == 403


def test_ticket_kpis_need_the_kpis_scope_too(client):
    manager = staff_user(MANAGER, username="boss")
    _, raw = api_token_create(name="t", user=manager, scopes=["tickets:read"])
    response = client.get(url("volume"), HTTP_AUTHORIZATION=f"Token {raw}")
    assert response.status_code == 403
    assert "kpis:read" in response.json()["message"]


def test_kb_metrics_are_in_the_openapi_schema():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/kpis/{metric_name}/"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert set(KB_METRICS) <= set(parameters["metric_name"]["schema"]["enum"])
    assert {"category", "article", "language"} <= set(parameters["by"]["schema"]["enum"])
    assert {"category", "article", "language"} <= set(parameters)
    result = schema["components"]["schemas"]["KpiResult"]["properties"]
    assert {"label", "searches", "queries"} <= set(result)
