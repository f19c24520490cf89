import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.models import AuditEntry
from api.services import api_token_create, api_token_revoke
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_logout_and_failed_login_are_audited(client, agent):
    client.post(reverse("accounts:login"), {"username": agent.username, "password": "nope"})
    client.post(reverse("accounts:login"), {"username": agent.username, "password": PASSWORD})
    client.post(reverse("accounts:logout"))
    actions = list(
        AuditEntry.objects.exclude(action="roles_changed").order_by("id").values_list("action", flat=True)
    )
    assert actions == ["login_failed", "login", "logout"]
    failed = AuditEntry.objects.get(action="login_failed")
    assert failed.details == {"username": agent.username}
    assert failed.ip_address == "127.0.0.1"


def test_role_changes_and_tokens_are_audited(agent, admin_user):
    agent.groups.add(Group.objects.get_or_create(name="manager")[0])
    token, _ = api_token_create(name="Shop", user=agent, scopes=["tickets:read"], by=admin_user)
    api_token_revoke(token=token, by=admin_user)
    roles = AuditEntry.objects.filter(action="roles_changed", target_id=str(agent.pk)).first()
    assert roles.details == {"change": "add", "groups": ["manager"]}
    created = AuditEntry.objects.get(action="token_created")
    assert (created.actor, created.details["scopes"]) == (admin_user, ["tickets:read"])
    assert AuditEntry.objects.filter(action="token_revoked", actor=admin_user).exists()


def test_audit_log_page_is_admin_only_and_filters(client, agent, admin_user, django_assert_max_num_queries):
    for _ in range(60):
        AuditEntry.objects.create(action="export", actor_name="someone", target_repr="tickets.csv")
    client.force_login(agent)
    assert client.get("/accounts/audit/").status_code == 403
    client.force_login(admin_user)
    with django_assert_max_num_queries(6):
        response = client.get("/accounts/audit/?action=export")
    assert response.status_code == 200
    assert len(response.context["entries"]) == 50
    older = client.get(f"/accounts/audit/?action=export&before={response.context['next_before']}")
    assert len(older.context["entries"]) == 10
    assert client.get("/accounts/audit/?before=garbage").status_code == 200


def test_audit_entries_cannot_be_changed_in_admin(client, admin_user):
    entry = AuditEntry.objects.create(action="export", actor_name="x")
    client.force_login(admin_user)
    response = client.post(f"/admin/accounts/auditentry/{entry.pk}/change/", {"action": "login"})
    assert response.status_code in (403, 200)
    entry.refresh_from_db()
    assert entry.action == "export"
    assert client.post(f"/admin/accounts/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_audit_log_page_shows_nested_details_as_readable_lines(client, admin_user):
    AuditEntry.objects.create(
        action="customer_erased",
        actor_name="root",
        target_repr="Customer #7",
        details={"reason": "GDPR request", "erased": {"messages": 3, "emails": 1}, "tags": ["a", "b"]},
    )
    client.force_login(admin_user)
    page = client.get("/accounts/audit/").content.decode()
    for line in ("reason=GDPR request", "erased.messages=3", "erased.emails=1", "tags=a, b"):
        assert line in page
    assert "{&#x27;messages&#x27;" not in page
