from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import ApiToken, hash_token
from api.services import api_token_create, api_token_revoke
from helpdesk.roles import AGENT
from tests.factories import UserFactory, staff_user

pytestmark = pytest.mark.django_db


def token_client(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


def test_token_is_stored_hashed_and_authenticates(agent):
    token, raw = api_token_create(name="Shop", user=agent, scopes=["teams:read"])
    assert token.key_hash == hash_token(raw) and raw not in token.key_hash
    response = token_client(raw).get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json() == {
        "username": agent.username,
        "roles": ["agent"],
        "token": {"name": "Shop", "scopes": ["teams:read"]},
    }
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize(
    "header",
    ["Token nope", "Token", "Token a b", "Bearer whatever"],
)
def test_bad_token_headers_are_refused_with_401_or_403(agent, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/me/")
    assert response.status_code in (401, 403)
    assert set(response.json()) == {"code", "message", "errors"}


def test_revoked_and_expired_tokens_are_refused(agent):
    token, raw = api_token_create(name="Old", user=agent, scopes=["all"])
    api_token_revoke(token=token)
    assert token_client(raw).get("/api/v1/me/").status_code == 401
    _, raw2 = api_token_create(
        name="Exp", user=agent, scopes=["all"], expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert token_client(raw2).get("/api/v1/me/").status_code == 401


def test_token_of_deactivated_user_is_refused(agent):
    _, raw = api_token_create(name="Shop", user=agent, scopes=["all"])
    agent.is_active = False
    agent.save()
    assert token_client(raw).get("/api/v1/me/").status_code == 401


def test_token_needs_a_staff_user_and_known_scopes(agent):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="staff user"):
        api_token_create(name="x", user=UserFactory(), scopes=["all"])
    with pytest.raises(ValidationError, match="Unknown scope"):
        api_token_create(name="x", user=agent, scopes=["tickets:delete"])


def test_create_api_token_command_prints_token_last(agent, capsys):
    call_command("create_api_token", agent.username, "--scopes", "tickets:read", "customers:write")
    raw = capsys.readouterr().out.strip().splitlines()[-1]
    token = ApiToken.objects.get(key_hash=hash_token(raw))
    assert token.scopes == ["customers:write", "tickets:read"]
    assert token_client(raw).get("/api/v1/me/").status_code == 200


def test_create_api_token_command_rejects_unknown_user_and_scope(agent):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="No user"):
        call_command("create_api_token", "ghost", "--scopes", "all")
    with pytest.raises(CommandError, match="Unknown scope"):
        call_command("create_api_token", agent.username, "--scopes", "root")


def test_session_auth_works_for_api(client, agent):
    client.force_login(agent)
    assert client.get("/api/v1/me/").json()["token"] is None


def test_anonymous_gets_401_or_403_with_error_body(client):
    response = client.get("/api/v1/me/")
    assert response.status_code in (401, 403)
    assert response.json()["code"] == "not_authenticated"


def test_token_page_is_for_admins_only(client, agent, manager, admin_user):
    for user, status in ((agent, 403), (manager, 403), (admin_user, 200)):
        client.force_login(user)
        assert client.get("/settings/api-tokens/").status_code == status


def test_admin_creates_token_in_ui_and_sees_it_once_then_revokes(client, admin_user):
    target = staff_user(AGENT, username="integration")
    client.force_login(admin_user)
    response = client.post(
        "/settings/api-tokens/", {"name": "CRM", "user": target.pk, "scopes": ["tickets:read"]}
    )
    assert response.status_code == 200
    raw = response.context["raw"]
    assert raw in response.content.decode()
    token = ApiToken.objects.get()
    assert raw not in client.get("/settings/api-tokens/").content.decode()
    response = client.post(f"/settings/api-tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_token_form_errors_are_shown_not_raised(client, admin_user):
    client.force_login(admin_user)
    response = client.post("/settings/api-tokens/", {"name": "", "scopes": ["nope"]})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not ApiToken.objects.exists()
