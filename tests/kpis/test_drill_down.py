import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry
from kpis.services import kpis_catch_up
from tests.factories import CustomerFactory

from . import builders

pytestmark = pytest.mark.django_db


@pytest.fixture
def solved(agent):
    now = timezone.now()
    made = []
    for i in range(14):
        t = builders.ticket(
            customer=CustomerFactory(), created_at=now - timedelta(hours=5 + i), assignee=agent
        )
        builders.message(t, at=t.created_at + timedelta(minutes=5), author=agent)
        if i % 2 == 0:
            builders.message(t, at=t.created_at + timedelta(minutes=6), author=agent)
        builders.status(t, "solved", t.created_at + timedelta(hours=1))
        made.append(t)
    return made


def params(**extra):
    today = timezone.localdate()
    return {"from": (today - timedelta(days=2)).isoformat(), "to": today.isoformat(), **extra}


def test_drill_down_lists_exactly_the_tickets_behind_a_rate(client, manager, solved):
    client.force_login(manager)
    response = client.get(reverse("kpis:drill", args=["fcr"]), params(part="hit"))
    assert response.status_code == 200
    listed = {item["object"].pk for item in response.context["page"]["items"]}
    assert listed == {t.pk for i, t in enumerate(solved) if i % 2}
    assert response.context["page"]["total"] == 7


def test_drill_down_query_count_does_not_grow_with_rows(
    client, manager, solved, django_assert_max_num_queries
):
    client.force_login(manager)
    kpis_catch_up()
    with django_assert_max_num_queries(16):
        response = client.get(reverse("kpis:drill", args=["resolution_time"]), params())
    assert len(response.context["page"]["items"]) == 14


def test_drill_down_pages_customers(client, manager):
    client.force_login(manager)
    now = timezone.now()
    for _ in range(3):
        builders.stage_change(CustomerFactory(), "reach", "conversion", now - timedelta(hours=1))
    response = client.get(reverse("kpis:drill", args=["stage_counts"]), params(stage="conversion"))
    assert response.status_code == 200
    assert response.context["page"]["kind"] == "customers"
    assert response.context["page"]["total"] == 3


def test_drill_down_rejects_bad_input(client, manager):
    client.force_login(manager)
    assert client.get(reverse("kpis:drill", args=["nope"])).status_code == 404
    assert client.get(reverse("kpis:drill", args=["fcr"]), {"from": "x"}).status_code == 400
    assert client.get(reverse("kpis:drill", args=["fcr"]), params(part="evil")).status_code == 400
    assert client.get(reverse("kpis:drill", args=["backlog"]), params(day="2025-99-01")).status_code == 400


def test_drill_down_refuses_agents(client, agent):
    client.force_login(agent)
    assert client.get(reverse("kpis:drill", args=["fcr"])).status_code == 403


def test_csv_export_neutralises_formulas(client, manager, agent, solved):
    agent.first_name, agent.last_name = '=HYPERLINK("http://x")', "+1"
    agent.save()
    client.force_login(manager)
    response = client.get(reverse("kpis:export", args=["agents"]), params())
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "agent"
    assert rows[1][0].startswith("'=HYPERLINK")
    assert rows[1][1] == "14"


@pytest.mark.parametrize("table", ["tiles", "stages", "daily", "funnel", "fcr_by_channel"])
def test_csv_export_of_every_table(client, manager, solved, table):
    client.force_login(manager)
    response = client.get(reverse("kpis:export", args=[table]), params())
    assert response.status_code == 200
    assert len(list(csv.reader(io.StringIO(response.content.decode())))) >= 2


def test_csv_export_of_a_drill_down(client, manager, solved):
    client.force_login(manager)
    response = client.get(reverse("kpis:export", args=["drill"]), params(metric="resolution_time"))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert len(rows) == 15
    assert client.get(reverse("kpis:export", args=["drill"]), params(metric="zzz")).status_code == 400
    assert client.get(reverse("kpis:export", args=["nope"])).status_code == 404


def test_csv_export_is_audited_with_table_range_and_filters(client, manager, solved):
    client.force_login(manager)
    client.get(reverse("kpis:export", args=["agents"]), params(channel="email"))
    client.get(reverse("kpis:export", args=["drill"]), params(metric="resolution_time"))
    entries = list(AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).order_by("id"))
    assert [(e.actor, e.target_repr) for e in entries] == [
        (manager, "KPI table agents (CSV)"),
        (manager, "KPI table drill (CSV)"),
    ]
    today = timezone.localdate()
    assert entries[0].details == {
        "table": "agents",
        "from": (today - timedelta(days=2)).isoformat(),
        "to": today.isoformat(),
        "filters": {"channel": "email"},
        "rows": 1,
    }
    assert entries[1].details["metric"] == "resolution_time" and entries[1].details["rows"] == 14
    assert entries[0].ip_address == "127.0.0.1"


def test_refused_csv_export_is_not_audited(client, manager, agent):
    client.force_login(agent)
    assert client.get(reverse("kpis:export", args=["agents"]), params()).status_code == 403
    client.force_login(manager)
    assert client.get(reverse("kpis:export", args=["drill"]), params(metric="zzz")).status_code == 400
    assert not AuditEntry.objects.filter(action="export").exists()
