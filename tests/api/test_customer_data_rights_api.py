"""GET /api/v1/customers/<id>/export/ and POST /api/v1/customers/<id>/erase/: roles, scopes, results."""

import pytest
from rest_framework.test import APIClient

from accounts.models import AuditEntry
from api.services import api_token_create
from lifecycle.models import Customer
from lifecycle.services import customer_merge
from tests.factories import CustomerFactory, TicketFactory

pytestmark = pytest.mark.django_db


def client_for(user, *scopes: str) -> APIClient:
    client = APIClient()
    raw = api_token_create(name="t", user=user, scopes=list(scopes))[1]
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


@pytest.fixture
def customer(db):
    customer = CustomerFactory(display_name="Grace Hopper", email="grace@example.com")
    TicketFactory(customer_email="grace@example.com", body="About my pension")
    return customer


def export_url(customer) -> str:
    return f"/api/v1/customers/{customer.pk}/export/"


def erase_url(customer) -> str:
    return f"/api/v1/customers/{customer.pk}/erase/"


def test_manager_exports_with_the_privacy_read_scope(manager, customer):
    response = client_for(manager, "privacy:read").get(export_url(customer))
    assert response.status_code == 200
    body = response.json()
    assert (
        body["format"] == "helpdesk.customer-export/1" and body["customer"]["display_name"] == "Grace Hopper"
    )
    assert body["tickets"][0]["messages"][0]["body_text"] == "About my pension"
    assert AuditEntry.objects.filter(action="export", actor=manager, target_id=str(customer.pk)).exists()


@pytest.mark.parametrize("scopes", [["customers:read"], ["customers:write", "tickets:read"]])
def test_export_needs_the_privacy_scope(manager, customer, scopes):
    response = client_for(manager, *scopes).get(export_url(customer))
    assert response.status_code == 403
    assert response.json()["message"] == "This token needs the scope privacy:read (or all)."


def test_agents_may_not_export_even_with_every_scope(agent, customer):
    response = client_for(agent, "all").get(export_url(customer))
    assert response.status_code == 403
    assert response.json()["message"] == "Only managers and admins may use this endpoint."


def test_unknown_and_merged_customers(manager, customer, agent):
    client = client_for(manager, "privacy:read")
    assert client.get("/api/v1/customers/999999/export/").status_code == 404
    duplicate = CustomerFactory()
    customer_merge(source=duplicate, target=customer, by=agent)
    response = client.get(export_url(duplicate))
    assert response.status_code == 400
    assert f"merged into customer #{customer.pk}" in response.json()["message"]


def test_admin_erases_with_a_reason_and_a_repeat_changes_nothing(admin_user, customer):
    client = client_for(admin_user, "privacy:write")
    response = client.post(erase_url(customer), {"reason": "GDPR request #12"}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["display_name"] == f"Erased customer #{customer.pk}" and body["emails"] == []
    assert body["erased_at"] is not None
    again = client.post(erase_url(customer), {"reason": "again"}, format="json")
    assert again.status_code == 200 and again.json()["erased_at"] == body["erased_at"]
    entry = AuditEntry.objects.get(action="customer_erased")
    assert (entry.actor, entry.details["reason"]) == (admin_user, "GDPR request #12")
    assert client.get("/api/v1/customers/lookup/?value=grace@example.com").status_code == 403  # scope
    lookup = client_for(admin_user, "customers:read").get("/api/v1/customers/lookup/?value=grace@example.com")
    assert lookup.status_code == 404


def test_erase_needs_a_reason(admin_user, customer):
    client = client_for(admin_user, "privacy:write")
    for data in ({}, {"reason": ""}, {"reason": "   "}):
        response = client.post(erase_url(customer), data, format="json")
        assert response.status_code == 400
        assert "reason" in response.json()["errors"]
    assert Customer.objects.get(pk=customer.pk).erased_at is None


@pytest.mark.parametrize(
    ("who", "scopes", "message"),
    [
        ("admin_user", ["privacy:read"], "This token needs the scope privacy:write (or all)."),
        ("admin_user", ["customers:write"], "This token needs the scope privacy:write (or all)."),
        ("manager", ["all"], "Only admins may use this endpoint."),
        ("agent", ["all"], "Only admins may use this endpoint."),
    ],
)
def test_erase_is_refused_without_admin_and_scope(customer, request, who, scopes, message):
    response = client_for(request.getfixturevalue(who), *scopes).post(
        erase_url(customer), {"reason": "x"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["message"] == message
    assert Customer.objects.get(pk=customer.pk).erased_at is None


def test_portal_customers_are_refused_through_the_session(client, customer_user, customer):
    client.force_login(customer_user)
    own = customer_user.customer
    assert client.get(export_url(own)).status_code == 403
    assert client.post(erase_url(own), {"reason": "me"}, content_type="application/json").status_code == 403


def test_schema_documents_both_operations_and_their_scope(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    export = schema["paths"]["/api/v1/customers/{id}/export/"]["get"]
    erase = schema["paths"]["/api/v1/customers/{id}/erase/"]["post"]
    assert "privacy:read" in export["description"] and "privacy:write" in erase["description"]
    exported = export["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert exported.endswith("/CustomerExport")
    assert "tickets" in schema["components"]["schemas"]["CustomerExport"]["properties"]
