"""Who may reach which workspace page: anonymous -> login, customers -> 403, other teams' tickets -> 404."""

import pytest

from helpdesk.roles import AGENT, QA_REVIEWER
from tests.factories import TicketFactory, staff_user
from tests.tickets.workspace import agent_in, team

pytestmark = pytest.mark.django_db

TICKET_GETS = ["/tickets/{ref}/", "/tickets/{ref}/canned/"]
TICKET_POSTS = [
    "/tickets/{ref}/messages/",
    "/tickets/{ref}/update/",
    "/tickets/{ref}/assign-to-me/",
    "/tickets/{ref}/solve/",
    "/tickets/{ref}/presence/",
]


@pytest.fixture
def setup():
    red, blue = team(name="Red"), team(name="Blue")
    return {
        "red": red,
        "blue": blue,
        "red_agent": agent_in(red, username="red_agent"),
        "blue_agent": agent_in(blue, username="blue_agent"),
        "red_ticket": TicketFactory(team=red, subject="Red ticket"),
    }


@pytest.mark.parametrize("path", ["/tickets/", *TICKET_GETS])
def test_workspace_get_redirects_anonymous_to_login(client, setup, path):
    response = client.get(path.format(ref=setup["red_ticket"].reference))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("path", ["/tickets/", *TICKET_GETS])
def test_workspace_get_refuses_customer_with_403(client, setup, customer_user, path):
    client.force_login(customer_user)
    assert client.get(path.format(ref=setup["red_ticket"].reference)).status_code == 403


@pytest.mark.parametrize("path", ["/tickets/bulk/", "/tickets/views/", *TICKET_POSTS])
def test_workspace_post_refuses_customer_and_anonymous(client, setup, customer_user, path):
    path = path.format(ref=setup["red_ticket"].reference)
    assert client.post(path).status_code == 302
    client.force_login(customer_user)
    assert client.post(path).status_code == 403


@pytest.mark.parametrize("path", TICKET_GETS)
def test_ticket_pages_answer_404_to_agent_of_other_team(client, setup, path):
    client.force_login(setup["blue_agent"])
    assert client.get(path.format(ref=setup["red_ticket"].reference)).status_code == 404


@pytest.mark.parametrize("path", TICKET_POSTS)
def test_ticket_actions_answer_404_to_agent_of_other_team_and_change_nothing(client, setup, path):
    ticket = setup["red_ticket"]
    client.force_login(setup["blue_agent"])
    response = client.post(
        path.format(ref=ticket.reference),
        {"kind": "reply", "body": "hi", "status": "solved", "priority": "urgent", "type": "question"},
    )
    assert response.status_code == 404
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assignee_id, ticket.messages.count()) == ("new", None, 1)


def test_missing_and_malformed_references_answer_404(client, setup):
    client.force_login(setup["red_agent"])
    assert client.get("/tickets/HD-999999/").status_code == 404
    assert client.get("/tickets/not-a-ticket/").status_code == 404
    assert client.get("/tickets/HD-99999999999999999999999/").status_code == 404


def test_team_member_opens_own_team_ticket(client, setup):
    client.force_login(setup["red_agent"])
    assert client.get(f"/tickets/{setup['red_ticket'].reference}/").status_code == 200


def test_agent_sees_ticket_assigned_to_them_in_another_team(client, setup):
    ticket = TicketFactory(team=setup["red"], assignee=setup["blue_agent"])
    client.force_login(setup["blue_agent"])
    assert client.get(f"/tickets/{ticket.reference}/").status_code == 200


def test_every_agent_sees_triage_tickets_without_team(client, setup):
    ticket = TicketFactory(team=None)
    client.force_login(setup["blue_agent"])
    assert client.get(f"/tickets/{ticket.reference}/").status_code == 200


def test_qa_reviewer_sees_reviewed_teams(client, setup):
    reviewer = staff_user(QA_REVIEWER, AGENT, username="reviewer")
    setup["red"].qa_reviewers.add(reviewer)
    client.force_login(reviewer)
    assert client.get(f"/tickets/{setup['red_ticket'].reference}/").status_code == 200


def test_qa_reviewer_does_not_see_unreviewed_teams(client, setup):
    reviewer = staff_user(QA_REVIEWER, AGENT, username="reviewer")
    client.force_login(reviewer)
    assert client.get(f"/tickets/{setup['red_ticket'].reference}/").status_code == 404


@pytest.mark.parametrize("who", ["manager", "admin_user"])
def test_managers_and_admins_see_every_team(client, setup, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(f"/tickets/{setup['red_ticket'].reference}/").status_code == 200


def test_queue_lists_only_visible_tickets(client, setup):
    TicketFactory(team=setup["blue"], subject="Blue secret")
    client.force_login(setup["red_agent"])
    body = client.get("/tickets/?view=all").text
    assert "Red ticket" in body
    assert "Blue secret" not in body
