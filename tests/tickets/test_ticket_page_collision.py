"""A reply written before someone else's newer public message is held back, with the draft kept."""

import pytest

from tests.factories import CannedReplyFactory, TicketFactory
from tests.tickets.workspace import agent_in, team
from tickets import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    crew = team(name="Red")
    ticket = TicketFactory(team=crew, customer_name="Dana")
    ann = agent_in(crew, username="ann", first_name="Ann")
    bob = agent_in(crew, username="bob", first_name="Bob")
    return ticket, ann, bob


def test_page_carries_the_last_public_message_seen(client, setup):
    ticket, ann, _ = setup
    client.force_login(ann)
    response = client.get(f"/tickets/{ticket.reference}/")
    last = ticket.messages.last().pk
    assert f'name="seen_message_id" value="{last}"' in response.text


def test_reply_after_newer_reply_is_held_with_notice_and_draft(client, setup):
    ticket, ann, bob = setup
    seen = ticket.messages.last().pk
    services.ticket_reply(ticket=ticket, by=bob, body="Bob answered first")
    client.force_login(ann)
    response = client.post(
        f"/tickets/{ticket.reference}/messages/",
        {"kind": "reply", "body": "My draft answer", "seen_message_id": seen},
    )
    assert response.status_code == 409
    assert "Your reply was not sent" in response.text
    assert "Bob answered first" in response.text
    assert "My draft answer</textarea>" in response.text
    assert "Send anyway" in response.text
    assert ticket.messages.filter(body_text="My draft answer").count() == 0


def test_send_anyway_goes_out(client, setup):
    ticket, ann, bob = setup
    seen = ticket.messages.last().pk
    newer = services.ticket_reply(ticket=ticket, by=bob, body="Bob answered first")
    client.force_login(ann)
    held = client.post(
        f"/tickets/{ticket.reference}/messages/", {"kind": "reply", "body": "Mine", "seen_message_id": seen}
    )
    assert f'name="seen_message_id" value="{newer.pk}"' in held.text
    sent = client.post(
        f"/tickets/{ticket.reference}/messages/",
        {"kind": "reply", "body": "Mine", "seen_message_id": newer.pk},
    )
    assert sent.status_code == 302
    assert ticket.messages.filter(body_text="Mine").count() == 1


def test_notes_are_never_held_back(client, setup):
    ticket, ann, bob = setup
    seen = ticket.messages.last().pk
    services.ticket_reply(ticket=ticket, by=bob, body="Bob answered first")
    client.force_login(ann)
    response = client.post(
        f"/tickets/{ticket.reference}/messages/", {"kind": "note", "body": "FYI", "seen_message_id": seen}
    )
    assert response.status_code == 302


def test_canned_apply_is_held_back_too(client, setup):
    ticket, ann, bob = setup
    canned = CannedReplyFactory(body="Hello {{ customer.first_name }}", set_status="solved")
    seen = ticket.messages.last().pk
    services.ticket_reply(ticket=ticket, by=bob, body="Bob answered first")
    client.force_login(ann)
    response = client.post(
        f"/tickets/{ticket.reference}/canned/{canned.pk}/apply/", {"seen_message_id": seen}
    )
    assert response.status_code == 409
    assert "Hello Dana</textarea>" in response.text
    ticket.refresh_from_db()
    assert ticket.status != "solved"
