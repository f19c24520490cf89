"""An admin exports a customer's data and erases them from the customer page, through the confirmation."""

import json

import pytest

from accounts.models import AuditEntry
from lifecycle.models import Customer
from lifecycle.services import customer_external_id_add, customer_phone_add
from tests.browser.conftest import login, screenshot
from tests.factories import PASSWORD, CustomerFactory, TicketFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _grace() -> Customer:
    grace = CustomerFactory(display_name="Grace Hopper", email="grace@example.com")
    customer_phone_add(customer=grace, number="+1 555 0199")
    customer_external_id_add(customer=grace, source="shop", external_id="GH-1906")
    TicketFactory(
        subject="Pension question from Grace", customer_email="grace@example.com", body="My pension"
    )
    return grace


def test_admin_exports_then_erases_a_customer(page, admin_user):
    grace = _grace()
    login(page, admin_user.username, PASSWORD)
    page.goto(f"/customers/{grace.pk}/")
    assert "Pension question from Grace" in page.locator(".lifecycle-timeline").inner_text()

    with page.expect_download() as download:
        page.locator("#export-data").click()
    exported = json.loads(open(download.value.path()).read())  # noqa: SIM115
    assert exported["customer"]["display_name"] == "Grace Hopper"
    assert download.value.suggested_filename == f"customer-{grace.pk}.json"

    page.locator("#erase-data").click()
    page.wait_for_url(f"**/customers/{grace.pk}/erase/")
    assert "grace@example.com" in page.locator("main").inner_text()
    screenshot(page, "customer-erase-confirm")
    page.get_by_role("button", name=f"Erase customer #{grace.pk}").click()
    assert page.locator(".invalid-feedback").count() == 2  # a reason and the confirmation are required
    assert Customer.objects.get(pk=grace.pk).erased_at is None

    page.get_by_label("Reason").fill("Erasure request by email, ticket HD-1")
    page.get_by_label("I understand").check()
    page.get_by_role("button", name=f"Erase customer #{grace.pk}").click()
    page.wait_for_url(f"**/customers/{grace.pk}/")
    text = page.locator("main").inner_text()
    assert f"The personal data of customer #{grace.pk} was erased." in text
    assert f"Erased customer #{grace.pk}" in page.locator("h1").inner_text()
    assert page.locator("#erased-notice").is_visible()
    for gone in ("Grace Hopper", "grace@example.com", "+15550199", "GH-1906", "Pension question"):
        assert gone not in text, gone
    assert page.locator("#erase-data").count() == 0
    screenshot(page, "customer-erased")

    page.goto("/accounts/audit/?action=customer_erased")
    row = page.locator("tbody tr").first.inner_text()
    assert f"Customer #{grace.pk}" in row and "Erasure request by email" in row
    assert AuditEntry.objects.filter(action="export", target_id=str(grace.pk)).exists()
    screenshot(page, "audit-log-erasure")
