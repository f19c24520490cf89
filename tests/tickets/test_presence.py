"""Who else has the ticket open: kept in the cache, shown on the page and by the heartbeat."""

import pytest
from django.core.cache import cache

from tests.factories import TicketFactory
from tests.tickets.workspace import agent_in, team
from tickets import presence

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    # Local-memory caches share their storage between tests; presence lives there.
    cache.clear()


@pytest.fixture
def setup():
    crew = team(name="Red")
    return (
        TicketFactory(team=crew),
        agent_in(crew, username="ann", first_name="Ann", last_name="Lee"),
        agent_in(crew, username="bob", first_name="Bob", last_name="Ray"),
    )


def test_second_agent_sees_the_first_viewing(client, setup):
    ticket, ann, bob = setup
    client.force_login(ann)
    client.get(f"/tickets/{ticket.reference}/")
    client.force_login(bob)
    body = client.get(f"/tickets/{ticket.reference}/").text
    assert "Ann Lee</strong> is viewing" in body
    assert "Bob Ray</strong> is" not in body


def test_heartbeat_reports_replying_state(client, setup):
    ticket, ann, bob = setup
    client.force_login(ann)
    client.post(f"/tickets/{ticket.reference}/presence/", {"state": "replying"})
    client.force_login(bob)
    response = client.post(f"/tickets/{ticket.reference}/presence/", {"state": "viewing"})
    assert response.status_code == 200
    assert "Ann Lee</strong> is replying" in response.text
    assert "<html" not in response.text


def test_unknown_state_counts_as_viewing(setup):
    ticket, ann, bob = setup
    presence.presence_touch(ticket_id=ticket.pk, user=ann, state="<script>")
    assert [p.state for p in presence.presence_others(ticket_id=ticket.pk, user=bob)] == ["viewing"]


def test_presence_expires_after_ttl(setup, monkeypatch):
    ticket, ann, bob = setup
    presence.presence_touch(ticket_id=ticket.pk, user=ann)
    later = presence.time.time() + presence.PRESENCE_TTL + 1
    monkeypatch.setattr(presence.time, "time", lambda: later)
    assert presence.presence_others(ticket_id=ticket.pk, user=bob) == []


def test_entry_missing_from_cache_is_ignored(setup):
    ticket, ann, bob = setup
    presence.presence_touch(ticket_id=ticket.pk, user=ann)
    cache.delete(f"presence:ticket:{ticket.pk}:user:{ann.pk}")
    assert presence.presence_others(ticket_id=ticket.pk, user=bob) == []


def test_names_are_escaped(client, setup):
    ticket, ann, bob = setup
    ann.first_name = "<script>x</script>"
    ann.save()
    client.force_login(ann)
    client.get(f"/tickets/{ticket.reference}/")
    client.force_login(bob)
    response = client.post(f"/tickets/{ticket.reference}/presence/")
    assert "<script>x" not in response.text and "&lt;script&gt;x" in response.text


def test_heartbeat_for_unseen_ticket_is_404(client, setup):
    ticket, *_ = setup
    outsider = agent_in(team(name="Blue"), username="outsider")
    client.force_login(outsider)
    assert client.post(f"/tickets/{ticket.reference}/presence/").status_code == 404
    assert client.get(f"/tickets/{ticket.reference}/presence/").status_code == 405


def test_heartbeat_records_and_answers_with_the_others(setup):
    ticket, ann, bob = setup
    assert presence.presence_heartbeat(ticket_id=ticket.pk, user=ann, state="replying") == []
    (seen,) = presence.presence_heartbeat(ticket_id=ticket.pk, user=bob)
    assert (seen.user_id, seen.state) == (ann.pk, "replying")
    assert [p.user_id for p in presence.presence_others(ticket_id=ticket.pk, user=ann)] == [bob.pk]
    # A second heartbeat keeps both in the index.
    presence.presence_heartbeat(ticket_id=ticket.pk, user=ann)
    assert sorted(cache.get(f"presence:ticket:{ticket.pk}")) == sorted([ann.pk, bob.pk])
