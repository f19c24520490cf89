"""A signed-in user's teams come in the same query as the user (tickets.teams, accounts.backends)."""

import random

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.backends import RolesModelBackend
from helpdesk.roles import AGENT, MANAGER, QA_REVIEWER
from tests.factories import staff_user
from tickets.models import Team
from tickets.selectors import team_ids_for

pytestmark = pytest.mark.django_db
User = get_user_model()


def _from_database(user) -> frozenset[int]:
    """team_ids_for on a user read without the extra: the reference computed with its own queries."""
    return team_ids_for(User.objects.get(pk=user.pk))


def _signed_in(user):
    with CaptureQueriesContext(connection) as captured:
        found = RolesModelBackend().get_user(user.pk)
        ids = team_ids_for(found)
    return ids, len(captured)


@pytest.mark.parametrize("roles", [(AGENT,), (QA_REVIEWER,), (AGENT, QA_REVIEWER), (MANAGER,)])
def test_teams_come_with_the_user_and_match_the_database(roles):
    rng = random.Random(7)
    teams = [Team.objects.create(name=f"Team {i}") for i in range(6)]
    users = [staff_user(*roles) for _ in range(4)]
    for user in users:
        for team in rng.sample(teams, rng.randint(0, 4)):
            team.members.add(user)
        for team in rng.sample(teams, rng.randint(0, 3)):
            team.qa_reviewers.add(user)
    for user in users:
        ids, queries = _signed_in(user)
        assert queries == 1
        assert ids == _from_database(user)


def test_reviewed_teams_count_only_for_qa_reviewers():
    member, reviewed = Team.objects.create(name="Billing"), Team.objects.create(name="Returns")
    agent, reviewer = staff_user(AGENT), staff_user(QA_REVIEWER)
    for user in (agent, reviewer):
        member.members.add(user)
        reviewed.qa_reviewers.add(user)
    assert _signed_in(agent)[0] == {member.pk}
    assert _signed_in(reviewer)[0] == {member.pk, reviewed.pk}


def test_no_team_is_no_team():
    assert _signed_in(staff_user(AGENT))[0] == frozenset()


def test_leaving_a_team_counts_on_the_next_request(client):
    team = Team.objects.create(name="Billing")
    agent = staff_user(AGENT)
    team.members.add(agent)
    client.force_login(agent)
    assert client.get("/tickets/").wsgi_request.user._helpdesk_team_ids == {team.pk}
    team.members.remove(agent)
    assert client.get("/tickets/").wsgi_request.user._helpdesk_team_ids == frozenset()
