"""The session's user comes with their roles in one query (accounts.backends.RolesModelBackend)."""

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.backends import RolesModelBackend
from helpdesk.roles import ADMIN, AGENT, CUSTOMER, MANAGER, QA_REVIEWER, user_roles
from tests.factories import staff_user

pytestmark = pytest.mark.django_db
User = get_user_model()


def _read(user):
    with CaptureQueriesContext(connection) as captured:
        found = RolesModelBackend().get_user(user.pk)
        roles = user_roles(found) if found else None
    return found, roles, len(captured)


@pytest.mark.parametrize(
    "groups, expected",
    [
        ((AGENT,), {AGENT}),
        ((AGENT, QA_REVIEWER), {AGENT, QA_REVIEWER}),
        ((MANAGER, "book club"), {MANAGER}),
        ((), {CUSTOMER}),
        (("book club",), {CUSTOMER}),
    ],
)
def test_roles_come_with_the_user_in_one_query(groups, expected):
    user = User.objects.create_user("someone", password="x")
    for name in groups:
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    found, roles, queries = _read(user)
    assert found == user
    assert roles == expected
    assert queries == 1
    # The same as helpdesk.roles computes from the database.
    fresh = User.objects.get(pk=user.pk)
    assert user_roles(fresh) == roles


def test_a_superuser_is_an_admin():
    _, roles, _ = _read(User.objects.create_superuser("root", password="x"))
    assert roles == {ADMIN}


def test_inactive_or_missing_users_are_nobody():
    user = staff_user(AGENT, is_active=False)
    assert RolesModelBackend().get_user(user.pk) is None
    assert RolesModelBackend().get_user(10**9) is None


def test_pages_read_roles_with_the_user(client):
    agent = staff_user(AGENT)
    client.force_login(agent)
    assert client.session[BACKEND_SESSION_KEY] == "accounts.backends.RolesModelBackend"
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/tickets/").status_code == 200
    assert not any(q["sql"].startswith('SELECT "auth_group"."name"') for q in captured.captured_queries)


def test_sessions_begun_with_django_model_backend_stay_signed_in(client):
    agent = staff_user(AGENT)
    client.force_login(agent, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/tickets/").status_code == 200


def test_a_role_taken_away_counts_on_the_next_request(client):
    agent = staff_user(AGENT)
    client.force_login(agent)
    assert client.get("/tickets/").status_code == 200
    agent.groups.clear()
    assert client.get("/tickets/").status_code == 403


def test_an_api_token_brings_its_users_roles(client):
    from api.services import api_token_create

    manager = staff_user(MANAGER)
    _, raw = api_token_create(name="bi", user=manager, scopes=["tickets:read"])
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/api/v1/tickets/", HTTP_AUTHORIZATION=f"Token {raw}")
    assert response.status_code == 200
    assert not any(q["sql"].startswith('SELECT "auth_group"."name"') for q in captured.captured_queries)
