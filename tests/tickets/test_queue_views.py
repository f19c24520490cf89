"""The queue's built-in views each show exactly their tickets."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import TicketFactory
from tests.tickets.workspace import agent_in, team
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    red, blue = team(name="Red"), team(name="Blue")
    me, colleague = agent_in(red, username="me"), agent_in(red, username="colleague")
    now = timezone.now()
    made = {
        "mine": TicketFactory(subject="Mine open", team=red, assignee=me),
        "mine_solved": TicketFactory(subject="Mine solved", team=red, assignee=me, status="solved"),
        "colleague": TicketFactory(subject="Colleague open", team=red, assignee=colleague),
        "unassigned": TicketFactory(subject="Nobody's red", team=red),
        "triage": TicketFactory(subject="Triage one", team=None),
        "blue": TicketFactory(subject="Blue one", team=blue),
        "at_risk": TicketFactory(subject="At risk", team=red, assignee=colleague),
        "old_solved": TicketFactory(subject="Solved long ago", team=red, status="solved"),
    }
    Ticket.objects.filter(pk=made["at_risk"].pk).update(resolution_due_at=now + timedelta(minutes=20))
    Ticket.objects.filter(pk=made["old_solved"].pk).update(solved_at=now - timedelta(days=30))
    Ticket.objects.exclude(pk=made["at_risk"].pk).update(
        resolution_due_at=now + timedelta(days=3), first_response_due_at=now + timedelta(days=2)
    )
    return me, made


def subjects(client, view):
    response = client.get(f"/tickets/?view={view}")
    assert response.status_code == 200
    return {t.subject for t in response.context["result"].page.rows}


@pytest.mark.parametrize(
    ("view", "expected"),
    [
        ("mine", {"Mine open"}),
        ("unassigned", {"Nobody's red", "Triage one"}),
        ("teams", {"Mine open", "Colleague open", "Nobody's red", "At risk"}),
        ("open", {"Mine open", "Colleague open", "Nobody's red", "Triage one", "At risk"}),
        ("sla", {"At risk"}),
        ("solved", {"Mine solved"}),
    ],
)
def test_builtin_view_shows_its_tickets(client, world, view, expected):
    me, _ = world
    client.force_login(me)
    assert subjects(client, view) == expected


def test_sla_at_risk_includes_breached_first_response(client, world):
    me, made = world
    Ticket.objects.filter(pk=made["triage"].pk).update(
        first_response_due_at=timezone.now() - timedelta(hours=2)
    )
    client.force_login(me)
    assert subjects(client, "sla") == {"At risk", "Triage one"}


def test_unknown_view_falls_back_to_my_open(client, world):
    me, _ = world
    client.force_login(me)
    assert subjects(client, "nonsense") == {"Mine open"}


def test_queue_marks_current_view_and_shows_row_columns(client, world):
    me, made = world
    client.force_login(me)
    body = client.get("/tickets/?view=teams").text
    assert 'aria-current="page" href="?view=teams"' in body
    assert made["at_risk"].reference in body
    assert "in 19 min" in body or "in 20 min" in body
    assert '<a class="link-body-emphasis text-decoration-none"' in body and 'dir="auto"' in body
