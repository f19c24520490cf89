"""Bulk actions on the tickets selected in the queue."""

import pytest

from tests.factories import TicketFactory
from tests.tickets.workspace import agent_in, team

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    red, blue = team(name="Red"), team(name="Blue")
    me = agent_in(red, username="me")
    mine = [TicketFactory(team=red) for _ in range(3)]
    foreign = TicketFactory(team=blue)
    return me, mine, foreign


def post(client, ids, **changes):
    return client.post(
        "/tickets/bulk/", {"tickets": [t.pk for t in ids], "next": "/tickets/?view=open", **changes}
    )


def test_bulk_assign_status_priority_and_tags(client, setup):
    me, mine, _ = setup
    client.force_login(me)
    response = post(
        client, mine[:2], assignee=str(me.pk), status="pending", priority="urgent", add_tags="refund"
    )
    assert response.status_code == 302 and response["Location"] == "/tickets/?view=open"
    for ticket in mine[:2]:
        ticket.refresh_from_db()
        assert (ticket.assignee, ticket.status, ticket.priority) == (me, "pending", "urgent")
        assert [t.name for t in ticket.tags.all()] == ["refund"]
    mine[2].refresh_from_db()
    assert (mine[2].assignee, mine[2].status) == (None, "new")


def test_bulk_unassign(client, setup):
    me, mine, _ = setup
    client.force_login(me)
    post(client, mine, assignee=str(me.pk))
    post(client, mine, assignee="none")
    assert all(t.assignee is None for t in (type(mine[0]).objects.filter(pk__in=[m.pk for m in mine])))


def test_bulk_skips_tickets_the_agent_cannot_see(client, setup):
    me, mine, foreign = setup
    client.force_login(me)
    post(client, [mine[0], foreign], priority="urgent")
    foreign.refresh_from_db()
    assert foreign.priority == "normal"


def test_bulk_without_selection_or_change_explains(client, setup):
    me, mine, _ = setup
    client.force_login(me)
    response = client.post("/tickets/bulk/", {"priority": "urgent"}, follow=True)
    assert "Select at least one ticket." in response.text
    response = client.post("/tickets/bulk/", {"tickets": [mine[0].pk]}, follow=True)
    assert "Choose at least one change to make." in response.text


def test_bulk_bad_values_are_refused(client, setup):
    me, mine, _ = setup
    client.force_login(me)
    response = post(client, mine, status="exploded")
    assert response.status_code == 302
    mine[0].refresh_from_db()
    assert mine[0].status == "new"
    assert client.post("/tickets/bulk/", {"tickets": ["abc"], "priority": "low"}).status_code == 302


def test_bulk_refused_transition_reports_error(client, setup):
    me, mine, _ = setup
    client.force_login(me)
    post(client, mine[:1], status="closed")
    response = client.post(
        "/tickets/bulk/", {"tickets": [mine[0].pk], "status": "new", "next": "/tickets/"}, follow=True
    )
    assert "alert-warning" in response.text
    assert "Updated 0 of 1 selected tickets." in response.text


def test_bulk_next_never_leaves_the_site(client, setup):
    me, mine, _ = setup
    client.force_login(me)
    response = client.post(
        "/tickets/bulk/", {"tickets": [mine[0].pk], "priority": "low", "next": "https://evil.test/"}
    )
    assert response["Location"] == "/tickets/"
