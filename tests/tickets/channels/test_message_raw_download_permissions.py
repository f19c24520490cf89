"""Agents who may see the ticket download the raw email behind a message; nobody else does."""

from django.urls import reverse

from helpdesk.roles import AGENT
from tests.factories import TeamFactory, staff_user


def _url(raw) -> str:
    return reverse("tickets:message-raw", args=[raw.message_id])


def test_message_raw_download_gives_the_original_bytes(client, ingest, agent):
    raw = ingest("attachment.eml")
    client.force_login(agent)
    response = client.get(_url(raw))
    assert response.status_code == 200
    assert response["Content-Type"] == "message/rfc822"
    assert response["Content-Disposition"] == f'attachment; filename="{raw.ticket.reference}-{raw.pk}.eml"'
    assert response.content == bytes(raw.raw)


def test_message_raw_download_refuses_an_agent_of_another_team(client, ingest):
    raw = ingest("plain.eml")
    raw.ticket.team = TeamFactory()
    raw.ticket.save(update_fields=["team"])
    outsider = staff_user(AGENT, username="outsider")
    client.force_login(outsider)
    assert client.get(_url(raw)).status_code == 404


def test_message_raw_download_lets_a_team_member_in(client, ingest):
    raw = ingest("plain.eml")
    team = TeamFactory()
    member = staff_user(AGENT, username="member")
    team.members.add(member)
    raw.ticket.team = team
    raw.ticket.save(update_fields=["team"])
    client.force_login(member)
    assert client.get(_url(raw)).status_code == 200


def test_message_raw_download_refuses_customers_and_anonymous(client, ingest, customer_user):
    raw = ingest("plain.eml")
    assert client.get(_url(raw)).status_code == 302
    client.force_login(customer_user)
    assert client.get(_url(raw)).status_code == 403


def test_message_raw_download_of_a_message_without_email_is_not_found(client, agent, db):
    client.force_login(agent)
    assert client.get(reverse("tickets:message-raw", args=[999999])).status_code == 404
