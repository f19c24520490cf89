"""An agent corrects a customer's details from the customer page, and is told to merge duplicates."""

import pytest

from lifecycle.models import Customer
from lifecycle.services import customer_external_id_add
from tests.browser.conftest import login, screenshot
from tests.factories import PASSWORD, CustomerFactory, OrganizationFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_customer_edit_from_the_customer_page(page, agent):
    OrganizationFactory(name="Globex")
    OrganizationFactory(name="Initech")
    ada = CustomerFactory(display_name="Ada Lovelace", preferred_language="en", email="ada@example.test")
    customer_external_id_add(customer=ada, source="shop", external_id="C-1042")
    twin = CustomerFactory(display_name="A. Lovelace", email="countess@example.test")
    login(page, agent.username, PASSWORD)
    page.goto(f"/customers/{ada.pk}/")
    page.get_by_role("link", name="Edit").click()
    page.wait_for_url(f"**/customers/{ada.pk}/edit/")
    page.get_by_label("Email addresses").fill("ada@example.test\ncountess@example.test")
    page.get_by_label("Organization").fill("Globex")
    page.get_by_label("Time zone").select_option("Europe/London")
    page.get_by_role("button", name="Save").click()
    error = page.locator("#id_emails ~ .invalid-feedback, #error_1_id_emails").first
    assert f"customer #{twin.pk} (A. Lovelace)" in error.inner_text()
    assert "merge" in error.inner_text()
    screenshot(page, "customer-edit-duplicate")
    page.get_by_label("Email addresses").fill("ada@example.test\nada.lovelace@example.test")
    page.get_by_label("Phone numbers").fill("+44 20 7946 0958")
    page.get_by_label("External ids").fill("shop:C-1042\ncrm:A-9")
    page.get_by_label("Agreed to receive marketing email").check()
    screenshot(page, "customer-edit")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"**/customers/{ada.pk}/")
    assert "Customer saved." in page.get_by_role("alert").first.inner_text()
    contact = page.locator("#contact-heading ~ dl").inner_text()
    assert "ada.lovelace@example.test" in contact and "crm: A-9" in contact and "Globex" in contact
    assert "Europe/London" in contact
    screenshot(page, "customer-edited")
    ada = Customer.objects.get(pk=ada.pk)
    assert ada.marketing_consent and ada.time_zone == "Europe/London"
    assert ada.organization.name == "Globex"


def test_customer_edit_fits_a_phone(browser, live_server, agent):
    ada = CustomerFactory(display_name="Ada Lovelace")
    context = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 740})
    page = context.new_page()
    login(page, agent.username, PASSWORD)
    page.goto(f"/customers/{ada.pk}/edit/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "customer-edit-phone")
    context.close()
