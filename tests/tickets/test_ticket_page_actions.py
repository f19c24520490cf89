"""Replying, noting and changing a ticket from its page, all through the services."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import CannedReplyFactory, TicketFactory
from tests.tickets.workspace import agent_in, team
from tickets.models import Message, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def me(crew):
    return agent_in(crew, username="me", first_name="Mia")


@pytest.fixture
def ticket(crew):
    return TicketFactory(team=crew, subject="Lost parcel", customer_name="Dana Smith")


def url(ticket, suffix=""):
    return f"/tickets/{ticket.reference}/{suffix}"


def test_reply_is_sent_and_page_redirects(client, me, ticket):
    client.force_login(me)
    seen = ticket.messages.last().pk
    response = client.post(
        url(ticket, "messages/"), {"kind": "reply", "body": "On its way", "seen_message_id": seen}
    )
    assert response.status_code == 302 and response["Location"] == url(ticket)
    reply = ticket.messages.last()
    assert (reply.kind, reply.sender, reply.author, reply.body_text) == ("public", "agent", me, "On its way")


def test_note_with_attachments_is_internal(client, me, ticket):
    client.force_login(me)
    files = [SimpleUploadedFile("a.txt", b"one"), SimpleUploadedFile("b.png", b"\x89PNG\r\n\x1a\nrest")]
    response = client.post(
        url(ticket, "messages/"), {"kind": "note", "body": "See logs", "attachments": files}
    )
    assert response.status_code == 302
    note = ticket.messages.last()
    assert note.kind == Message.Kind.NOTE
    assert sorted(a.filename for a in note.attachments.all()) == ["a.txt", "b.png"]


def test_empty_message_is_a_form_error(client, me, ticket):
    client.force_login(me)
    response = client.post(url(ticket, "messages/"), {"kind": "reply", "body": ""})
    assert response.status_code == 400
    assert "This field is required." in response.text
    assert ticket.messages.count() == 1


def test_service_refusal_is_shown_with_draft_kept(client, me, ticket):
    Ticket.objects.filter(pk=ticket.pk).update(status="closed")
    client.force_login(me)
    response = client.post(url(ticket, "messages/"), {"kind": "reply", "body": "Too late?"})
    assert response.status_code == 400
    assert "Too late?" in response.text
    assert 'class="alert alert-danger' in response.text


def test_controls_change_each_field_through_services(client, me, crew, ticket):
    other_team = team(name="Blue")
    client.force_login(me)
    response = client.post(
        url(ticket, "update/"),
        {
            "status": "pending",
            "priority": "high",
            "assignee": str(me.pk),
            "team": str(other_team.pk),
            "type": "incident",
            "tags": "billing, VIP billing",
        },
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority, ticket.assignee, ticket.team, ticket.type) == (
        "pending",
        "high",
        me,
        other_team,
        "incident",
    )
    assert sorted(t.name for t in ticket.tags.all()) == ["billing", "vip"]
    kinds = set(ticket.events.values_list("kind", flat=True))
    assert {"status", "priority", "assignee", "team", "type", "tags"} <= kinds


def test_controls_with_no_change_record_nothing(client, me, ticket):
    client.force_login(me)
    before = TicketEvent.objects.count()
    client.post(
        url(ticket, "update/"),
        {"status": "new", "priority": "normal", "type": "question", "team": str(ticket.team_id)},
    )
    assert TicketEvent.objects.count() == before


def test_disallowed_status_change_is_refused_without_partial_changes(client, me, ticket):
    client.force_login(me)
    Ticket.objects.filter(pk=ticket.pk).update(status="closed")
    response = client.post(
        url(ticket, "update/"),
        {"status": "open", "priority": "urgent", "type": "question", "team": str(ticket.team_id)},
    )
    assert response.status_code == 400
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority) == ("closed", "normal")


def test_bad_control_values_are_form_errors(client, me, ticket):
    client.force_login(me)
    response = client.post(
        url(ticket, "update/"), {"status": "exploded", "priority": "normal", "type": "question"}
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.text


def test_assign_to_me_and_solve_buttons(client, me, ticket):
    client.force_login(me)
    assert client.post(url(ticket, "assign-to-me/")).status_code == 302
    assert client.post(url(ticket, "solve/")).status_code == 302
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.status) == (me, "solved")
    page = client.get(url(ticket)).text
    assert "is solved" in page


def test_canned_reply_preview_fills_placeholders_and_stays_inert(client, me, ticket):
    canned = CannedReplyFactory(
        body="Hi {{ customer.first_name }}, about {{ ticket.reference }}. <b>{{ agent.first_name }}</b>"
    )
    client.force_login(me)
    response = client.get(url(ticket, f"canned/?canned_reply={canned.pk}"))
    assert response.status_code == 200
    assert f"Hi Dana, about {ticket.reference}. &lt;b&gt;Mia&lt;/b&gt;" in response.text
    assert client.get(url(ticket, "canned/?canned_reply=abc")).status_code == 404


def test_canned_reply_of_another_team_is_not_offered(client, me, ticket):
    canned = CannedReplyFactory(team=team(name="Elsewhere"))
    client.force_login(me)
    assert client.get(url(ticket, f"canned/?canned_reply={canned.pk}")).status_code == 404
    assert canned.title not in client.get(url(ticket)).text


def test_canned_reply_apply_sends_and_applies_actions(client, me, ticket):
    canned = CannedReplyFactory(
        body="Solved for you, {{ customer.first_name }}", set_status="solved", add_tags=["macro"]
    )
    client.force_login(me)
    response = client.post(
        url(ticket, f"canned/{canned.pk}/apply/"), {"seen_message_id": ticket.messages.last().pk}
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "solved"
    assert ticket.messages.last().body_text == "Solved for you, Dana"
    assert [t.name for t in ticket.tags.all()] == ["macro"]


def test_moving_a_ticket_to_another_team_returns_the_agent_to_the_queue(client, me, ticket):
    other_team = team(name="Green")
    client.force_login(me)
    data = {"status": "open", "priority": "normal", "assignee": "", "team": str(other_team.pk)}
    response = client.post(url(ticket, "update/"), {**data, "type": "question", "tags": ""}, follow=True)
    assert response.redirect_chain[-1] == ("/tickets/", 302)
    assert f"{ticket.reference} was moved to Green" in response.content.decode()
    assert client.get(url(ticket)).status_code == 404  # it is no longer theirs to see


def test_the_sidebar_shows_no_rating_of_another_teams_ticket(client, me, crew, ticket):
    from tickets.services import ticket_rate, ticket_set_status

    elsewhere = TicketFactory(team=team(name="Hidden"), customer_email=ticket.requester_email)
    mine = TicketFactory(team=crew, customer_email=ticket.requester_email)
    for solved, comment in ((elsewhere, "secret-of-another-team"), (mine, "visible-to-red")):
        ticket_set_status(ticket=solved, status="solved", by=None)
        ticket_rate(ticket=solved, score=2, comment=comment)
    client.force_login(me)
    page = client.get(url(ticket)).content.decode()
    assert "visible-to-red" in page or mine.reference in page
    assert "secret-of-another-team" not in page and elsewhere.reference not in page
