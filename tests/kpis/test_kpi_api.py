from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from kpis.selectors import METRICS
from tests.factories import CustomerFactory

from . import builders

pytestmark = pytest.mark.django_db


def url(metric: str) -> str:
    return reverse("kpis_api:metric", args=[metric])


@pytest.fixture
def answered(settings):
    settings.TIME_ZONE = "UTC"
    customer = CustomerFactory()
    created = datetime(2025, 1, 10, 9, tzinfo=UTC)
    t = builders.ticket(customer=customer, created_at=created, channel="chat")
    builders.message(t, at=created + timedelta(minutes=30))
    builders.status(t, "solved", created + timedelta(hours=2))
    return t


def test_kpi_api_answers_first_response_time_in_api_shape(client, manager, answered):
    client.force_login(manager)
    response = client.get(url("first_response_time"), {"from": "2025-01-01", "to": "2025-01-31"})
    assert response.status_code == 200
    assert response.json() == {
        "metric": "first_response_time",
        "from": "2025-01-01",
        "to": "2025-01-31",
        "by": None,
        "results": [{"key": None, "count": 1, "mean": 1800.0, "median": 1800.0, "p90": 1800.0}],
    }


def test_kpi_api_slices_and_filters_by_dimension(client, admin_user, answered):
    client.force_login(admin_user)
    response = client.get(
        url("fcr"), {"from": "2025-01-01", "to": "2025-01-31", "by": "channel", "channel": "chat"}
    )
    assert response.status_code == 200
    assert response.json()["results"] == [{"key": "chat", "numerator": 1, "denominator": 1, "rate": 1.0}]
    none = client.get(url("volume"), {"from": "2025-01-01", "to": "2025-01-31", "team": "none"})
    assert none.json()["results"] == [{"key": None, "value": 1}]


def test_kpi_api_answers_every_metric(client, manager, answered):
    client.force_login(manager)
    for metric in METRICS:
        response = client.get(url(metric), {"from": "2025-01-01", "to": "2025-01-12"})
        assert response.status_code == 200, (metric, response.content)
        assert response.json()["metric"] == metric


def test_kpi_api_backlog_lists_days(client, manager, answered):
    client.force_login(manager)
    body = client.get(url("backlog"), {"from": "2025-01-09", "to": "2025-01-11"}).json()
    assert body["results"] == [
        {
            "key": None,
            "value": 0,
            "days": [
                {"day": "2025-01-09", "value": 0},
                {"day": "2025-01-10", "value": 0},
                {"day": "2025-01-11", "value": 0},
            ],
        }
    ]


def test_kpi_api_refuses_agents(client, agent):
    client.force_login(agent)
    assert client.get(url("volume")).status_code in (401, 403)


def test_kpi_api_refuses_anonymous(client):
    assert client.get(url("volume")).status_code in (401, 403)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2025-13-01"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "2025-02-01", "to": "2025-01-01"}, "non_field_errors"),
        ({"by": "colour"}, "by"),
        ({"colour": "red"}, "colour"),
        ({"channel": "pigeon"}, "channel"),
        ({"team": "abc"}, "team"),
        ({"from": "2000-01-01", "to": "2025-01-01"}, "non_field_errors"),
    ],
)
def test_kpi_api_rejects_bad_parameters_with_400(client, manager, params, field):
    client.force_login(manager)
    response = client.get(url("volume"), params)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and field in response.json()["errors"]


def test_kpi_api_stage_counts_only_by_stage(client, manager):
    client.force_login(manager)
    assert client.get(url("stage_counts"), {"by": "stage"}).status_code == 200
    response = client.get(url("stage_counts"), {"by": "team"})
    assert response.status_code == 400
    assert "cannot be sliced" in str(response.json())
    assert client.get(url("churn_rate"), {"channel": "email"}).status_code == 400


def test_kpi_api_unknown_metric_is_404(client, manager):
    client.force_login(manager)
    assert client.get(url("happiness")).status_code == 404


def test_kpi_api_default_range_is_last_30_days(client, manager):
    client.force_login(manager)
    body = client.get(url("volume")).json()
    assert date.fromisoformat(body["to"]) - date.fromisoformat(body["from"]) == timedelta(days=29)


def test_kpi_api_is_documented_in_openapi():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/kpis/{metric_name}/"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"metric_name", "from", "to", "by", "team", "stage"} <= names
    assert "400" in operation["responses"]
