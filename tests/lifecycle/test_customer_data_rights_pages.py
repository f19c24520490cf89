"""The customer page's export download and the erase confirmation: who may, and what they get."""

import json

import pytest

from accounts.models import AuditEntry
from lifecycle.models import Customer
from lifecycle.services import customer_erase, customer_merge
from tests.factories import CustomerFactory, TicketFactory


@pytest.fixture
def ticket(customer):
    return TicketFactory(customer_email=customer.emails.get().address, body="My private story")


def test_manager_downloads_the_export_and_it_is_audited(client, manager, customer, ticket):
    client.force_login(manager)
    response = client.get(f"/customers/{customer.pk}/export/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == f'attachment; filename="customer-{customer.pk}.json"'
    document = json.loads(response.content)
    assert document["customer"]["id"] == customer.pk
    assert document["tickets"][0]["messages"][0]["body_text"] == "My private story"
    entry = AuditEntry.objects.get(action="export")
    assert (entry.actor, entry.target_id, entry.ip_address) == (manager, str(customer.pk), "127.0.0.1")


@pytest.mark.parametrize("who", ["agent", "qa_reviewer", "customer_user"])
def test_export_is_refused_below_manager(client, customer, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(f"/customers/{customer.pk}/export/").status_code == 403
    assert not AuditEntry.objects.filter(action="export").exists()


def test_export_of_an_unknown_customer_is_404(client, manager, db):
    client.force_login(manager)
    assert client.get("/customers/999999/export/").status_code == 404


def test_export_of_a_merged_customer_sends_to_the_survivor(client, manager, customer, agent):
    duplicate = CustomerFactory()
    customer_merge(source=duplicate, target=customer, by=agent)
    client.force_login(manager)
    response = client.get(f"/customers/{duplicate.pk}/export/", follow=True)
    assert response.redirect_chain[-1][0] == f"/customers/{customer.pk}/"
    assert f"merged into customer #{customer.pk}" in response.content.decode()


def test_customer_page_offers_export_to_managers_and_erase_to_admins(
    client, agent, manager, admin_user, customer
):
    url = f"/customers/{customer.pk}/"
    client.force_login(agent)
    page = client.get(url).content.decode()
    assert "export-data" not in page and "erase-data" not in page
    client.force_login(manager)
    page = client.get(url).content.decode()
    assert "export-data" in page and "erase-data" not in page
    client.force_login(admin_user)
    page = client.get(url).content.decode()
    assert "export-data" in page and f"/customers/{customer.pk}/erase/" in page


def test_erase_asks_for_a_reason_and_a_confirmation(client, admin_user, customer, ticket):
    client.force_login(admin_user)
    page = client.get(f"/customers/{customer.pk}/erase/")
    assert page.status_code == 200 and customer.emails.get().address in page.content.decode()
    for data in ({}, {"reason": "Asked by email"}, {"reason": "  ", "confirm": "on"}):
        response = client.post(f"/customers/{customer.pk}/erase/", data)
        assert response.status_code == 400
        assert response.context["form"].errors
    customer.refresh_from_db()
    assert customer.erased_at is None


def test_admin_erases_a_customer_and_sees_the_result(client, admin_user, customer, ticket):
    client.force_login(admin_user)
    response = client.post(
        f"/customers/{customer.pk}/erase/", {"reason": "Asked by email", "confirm": "on"}, follow=True
    )
    assert response.redirect_chain == [(f"/customers/{customer.pk}/", 302)]
    page = response.content.decode()
    assert f"The personal data of customer #{customer.pk} was erased." in page
    assert f"Erased customer #{customer.pk}" in page and "erased-notice" in page
    assert "erase-data" not in page and "merge-heading" not in page
    assert "My private story" not in page
    entry = AuditEntry.objects.get(action="customer_erased")
    assert (entry.actor, entry.details["reason"]) == (admin_user, "Asked by email")
    assert client.get(f"/customers/{customer.pk}/erase/").status_code == 302


@pytest.mark.parametrize("who", ["agent", "manager", "customer_user"])
def test_erase_is_refused_below_admin(client, customer, who, request):
    client.force_login(request.getfixturevalue(who))
    url = f"/customers/{customer.pk}/erase/"
    assert client.get(url).status_code == 403
    assert client.post(url, {"reason": "x", "confirm": "on"}).status_code == 403
    assert Customer.objects.get(pk=customer.pk).erased_at is None


def test_erased_customer_page_and_list_show_only_the_tombstone(client, admin_user, customer, agent):
    customer_erase(customer=customer, by=admin_user, reason="Request")
    client.force_login(agent)
    listing = client.get("/customers/").content.decode()
    assert f"Erased customer #{customer.pk}" in listing and "example.test" not in listing
    assert client.get(f"/customers/?q=customer{customer.pk}@example.test").context["customers"] == []
