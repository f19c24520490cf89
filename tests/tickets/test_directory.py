"""The cached directory (agents, teams, canned replies) follows every change made through the ORM."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import CannedReplyFactory, TicketFactory
from tests.tickets.workspace import agent_in, team
from tickets.directory import KEY, directory
from tickets.models import CannedReply

pytestmark = pytest.mark.django_db


def _queries(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


def test_read_once_then_served_from_the_cache(me, crew):
    CannedReplyFactory(title="Hello")
    assert _queries(directory) == 3
    assert _queries(directory) == 0
    listed = directory()
    assert [a.username for a in listed.agents] == ["me"]
    assert [t.name for t in listed.teams] == ["Red"]
    assert [c.title for c in listed.canned_replies] == ["Hello"]


def test_only_names_are_loaded_for_agents(me):
    (agent,) = directory().agents
    assert agent.get_full_name() == "Mia Agent"
    assert "password" in agent.get_deferred_fields()


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda me, crew: setattr(me, "first_name", "Maya") or me.save(), id="rename agent"),
        pytest.param(lambda me, crew: setattr(crew, "name", "Crimson") or crew.save(), id="rename team"),
        pytest.param(lambda me, crew: team(name="Blue"), id="new team"),
        pytest.param(lambda me, crew: agent_in(crew, username="newcomer"), id="new agent"),
        pytest.param(lambda me, crew: me.groups.clear(), id="agent loses role"),
        pytest.param(lambda me, crew: CannedReplyFactory(title="Fresh"), id="new canned reply"),
        pytest.param(lambda me, crew: CannedReply.objects.get().delete(), id="canned reply deleted"),
        pytest.param(lambda me, crew: Group.objects.create(name="visitors"), id="new group"),
    ],
)
def test_any_change_is_seen_by_the_next_read(me, crew, change):
    CannedReplyFactory(title="Hello")
    directory()
    change(me, crew)
    seen = _named(directory())
    assert seen == _named(_rebuilt())  # what the database holds now, not what was cached


def _rebuilt():
    from django.core.cache import cache

    cache.delete(KEY)
    return directory()


def _named(listed):
    return (
        [a.get_full_name() or a.username for a in listed.agents],
        [t.name for t in listed.teams],
        [c.title for c in listed.canned_replies],
    )


def test_a_login_keeps_the_directory(client, me):
    directory()
    client.force_login(me)  # saves last_login
    assert _queries(directory) == 0


def test_ticket_page_shows_a_renamed_agent_and_a_new_canned_reply(client, me, crew):
    ticket = TicketFactory(team=crew)
    client.force_login(me)
    assert "Welcome back" not in client.get(f"/tickets/{ticket.reference}/").text
    CannedReplyFactory(title="Welcome back")
    me.first_name = "Maya"
    me.save()
    page = client.get(f"/tickets/{ticket.reference}/").text
    assert "Welcome back" in page
    assert "Maya Agent" in page


def test_canned_replies_offered_are_every_teams_and_the_tickets_teams(me, crew):
    other = team(name="Blue")
    CannedReplyFactory(title="Everyone", team=None)
    CannedReplyFactory(title="Red only", team=crew)
    CannedReplyFactory(title="Blue only", team=other)
    CannedReplyFactory(title="Retired", team=None, is_active=False)
    titles = {c.title for c in directory().canned_replies_for(crew.pk)}
    assert titles == {"Everyone", "Red only"}
    assert {c.title for c in directory().canned_replies_for(None)} == {"Everyone"}
