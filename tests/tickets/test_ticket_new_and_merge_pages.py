"""Agents open tickets from the workspace and merge duplicates from the ticket page."""

import pytest
from django.urls import reverse

from accounts.models import AuditEntry
from helpdesk.roles import QA_REVIEWER
from lifecycle.models import TouchpointEvent
from mail.models import OutboundEmail
from tests.factories import TeamFactory, TicketFactory, staff_user
from tickets.models import Message, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(agent):
    return TeamFactory(name="Billing", members=[agent])


def _form(**overrides):
    data = {
        "direction": "inbound",
        "channel": "phone",
        "customer_email": "Caller@Example.test",
        "customer_name": "Dana Caller",
        "subject": "Called about a double charge",
        "body": "She was charged twice for order 1042.",
        "priority": "high",
        "type": "incident",
        "team": "",
        "assignee": "",
        "tags": "refund, billing",
    }
    return {**data, **overrides}


def test_an_agent_logs_a_phone_call_as_a_ticket_with_its_events_and_touchpoint(client, agent, team):
    client.force_login(agent)
    page = client.get(reverse("tickets:new"))
    assert page.status_code == 200
    assert b'<label class="form-label" for="id_customer_email">' in page.content
    response = client.post(reverse("tickets:new"), _form(team=str(team.pk), assignee=str(agent.pk)))
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("tickets:detail", args=[ticket.reference])
    assert (ticket.channel, ticket.direction, ticket.priority, ticket.type) == (
        "phone",
        "inbound",
        "high",
        "incident",
    )
    assert (ticket.team, ticket.assignee, ticket.status) == (team, agent, "open")
    assert ticket.requester_email == "caller@example.test"
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["billing", "refund"]
    message = ticket.messages.get()
    assert (message.sender, message.kind, message.author) == ("customer", "public", None)
    assert TicketEvent.objects.filter(ticket=ticket, kind="created", actor=agent).exists()
    assert TouchpointEvent.objects.filter(customer=ticket.customer, type="support_ticket").count() == 1
    assert not OutboundEmail.objects.exists()  # the customer called; nothing is emailed


def test_an_outbound_email_ticket_emails_the_customer_and_counts_as_the_first_reply(client, agent, team):
    client.force_login(agent)
    client.post(
        reverse("tickets:new"),
        _form(direction="outbound", channel="email", subject="Your refund", body="Refund on its way."),
    )
    ticket = Ticket.objects.get()
    message = ticket.messages.get()
    assert (message.sender, message.author, message.delivery_state) == ("agent", agent, "queued")
    email = OutboundEmail.objects.get()
    assert email.to == ["caller@example.test"]
    assert ticket.reference in email.subject
    assert ticket.first_public_reply_at == message.created_at


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"customer_email": "not-an-address"}, "customer_email"),
        ({"subject": ""}, "subject"),
        ({"body": ""}, "body"),
        ({"channel": "api"}, "channel"),
        ({"priority": "extreme"}, "priority"),
        ({"team": "999999"}, "team"),
        ({"tags": " ".join(f"t{i}" for i in range(30))}, "tags"),
    ],
)
def test_bad_input_is_a_form_error_and_opens_nothing(client, agent, team, overrides, field):
    client.force_login(agent)
    response = client.post(reverse("tickets:new"), _form(**overrides))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Ticket.objects.exists()


def test_an_agent_may_only_pick_their_own_teams(client, agent, team):
    other = TeamFactory(name="Shipping")
    client.force_login(agent)
    choices = dict(client.get(reverse("tickets:new")).context["form"].fields["team"].choices)
    assert str(team.pk) in choices and str(other.pk) not in choices
    response = client.post(reverse("tickets:new"), _form(team=str(other.pk)))
    assert response.status_code == 400
    assert not Ticket.objects.exists()


def test_a_qa_reviewer_without_the_agent_role_cannot_open_tickets(client):
    reviewer = staff_user(QA_REVIEWER, username="only_qa")
    client.force_login(reviewer)
    assert client.get(reverse("tickets:new")).status_code == 403
    assert client.post(reverse("tickets:new"), _form()).status_code == 403


def test_merge_asks_for_confirmation_then_moves_the_conversation_and_audits(client, agent, team):
    source = TicketFactory(team=team, subject="Duplicate")
    target = TicketFactory(team=team, subject="Original")
    client.force_login(agent)
    assert (
        b'action="/tickets/' + source.reference.encode() + b'/merge/"'
        in client.get(reverse("tickets:detail", args=[source.reference])).content
    )
    confirm = client.post(reverse("tickets:merge", args=[source.reference]), {"target": target.reference})
    assert confirm.status_code == 200
    assert f"Merge {source.reference} into {target.reference}?" in confirm.content.decode()
    source.refresh_from_db()
    assert source.merged_into_id is None  # nothing happens before the confirmation
    done = client.post(
        reverse("tickets:merge", args=[source.reference]), {"target": target.reference, "confirm": "yes"}
    )
    assert done["Location"] == reverse("tickets:detail", args=[target.reference])
    source.refresh_from_db()
    assert (source.merged_into_id, source.status) == (target.pk, "closed")
    assert Message.objects.filter(ticket=target).count() == 2
    assert AuditEntry.objects.filter(action="ticket_merged", actor=agent).exists()


def test_merge_refuses_unknown_invisible_and_self_targets(client, agent, team):
    source = TicketFactory(team=team)
    hidden = TicketFactory(team=TeamFactory(name="Elsewhere"))
    client.force_login(agent)
    url = reverse("tickets:merge", args=[source.reference])
    for target in ("HD-999999", hidden.reference, source.reference, "nonsense"):
        response = client.post(url, {"target": target, "confirm": "yes"}, follow=True)
        assert response.status_code == 200
        assert list(response.context["messages"]), target
    source.refresh_from_db()
    assert source.merged_into_id is None
    # Another team's ticket cannot be the source either (404, not confirmed to exist).
    other_url = reverse("tickets:merge", args=[hidden.reference])
    assert client.post(other_url, {"target": source.reference}).status_code == 404


def test_the_queue_offers_new_ticket_to_agents(client, agent):
    client.force_login(agent)
    assert reverse("tickets:new").encode() in client.get(reverse("tickets:queue")).content
