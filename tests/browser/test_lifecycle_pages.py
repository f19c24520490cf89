from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from lifecycle.models import Customer, Stage
from lifecycle.services import customer_external_id_add, touchpoint_record
from tests.browser.conftest import login, screenshot
from tests.factories import PASSWORD, CustomerFactory, OrganizationFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _customers():
    now = timezone.now()
    org = OrganizationFactory(name="Globex")
    ada = CustomerFactory(display_name="Ada Lovelace", organization=org, preferred_language="en")
    customer_external_id_add(customer=ada, source="shop", external_id="C-1042")
    touchpoint_record(customer=ada, type="signed_up", occurred_at=now - timedelta(days=40))
    touchpoint_record(
        customer=ada, type="purchase", occurred_at=now - timedelta(days=30), value=Decimal("49.90")
    )
    touchpoint_record(customer=ada, type="nps", occurred_at=now - timedelta(days=2), value=Decimal(6))
    Customer.objects.filter(pk=ada.pk).update(churn_risk_score=0.72, churn_risk_reasons=["Two low ratings"])
    rtl = CustomerFactory(display_name="רחל כהן", preferred_language="yi")
    touchpoint_record(customer=rtl, type="visited", occurred_at=now - timedelta(days=3))
    for index in range(8):
        other = CustomerFactory(display_name=f"Customer {index}", preferred_language="tl")
        touchpoint_record(customer=other, type="trial_started", occurred_at=now - timedelta(days=10 + index))
    return ada


def test_customer_list_filters_and_searches(page, agent):
    _customers()
    login(page, agent.username, PASSWORD)
    page.goto("/customers/")
    screenshot(page, "customer-list")
    page.get_by_label("Search").fill("C-1042")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/customers/?q=C-1042*")
    assert page.locator("tbody tr").count() == 1
    assert "Ada Lovelace" in page.locator("tbody").inner_text()
    page.goto("/customers/")
    page.get_by_label("Stage").select_option("acquisition")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**stage=acquisition*")
    assert page.locator("tbody tr").count() == 8
    screenshot(page, "customer-list-filtered")


def test_customer_page_corrects_the_stage(page, agent):
    ada = _customers()
    login(page, agent.username, PASSWORD)
    page.goto(f"/customers/{ada.pk}/")
    assert "Conversion" in page.locator("#current-stage").inner_text()
    assert page.locator(".timeline-stage").count() == 2
    screenshot(page, "customer-page")
    page.get_by_label("New stage").select_option("loyalty")
    page.get_by_role("button", name="Correct stage").click()
    assert "required" in page.locator("#correct-heading ~ form").inner_text().lower()
    page.get_by_label("New stage").select_option("loyalty")
    page.get_by_label("Reason").fill("Ambassador programme member")
    page.get_by_role("button", name="Correct stage").click()
    page.wait_for_url(f"**/customers/{ada.pk}/")
    assert "Loyalty" in page.locator("#current-stage").inner_text()
    assert "Ambassador programme member" in page.locator(".lifecycle-timeline").inner_text()
    ada.refresh_from_db()
    assert ada.stage == Stage.LOYALTY
    screenshot(page, "customer-page-corrected")


def test_funnel_shows_entered_and_moved_on(page, manager):
    _customers()
    login(page, manager.username, PASSWORD)
    page.goto("/customers/funnel/")
    rows = page.locator("#funnel-table tbody tr")
    assert rows.count() == 5
    acquisition = page.locator('tr[data-stage="acquisition"]')
    assert acquisition.locator(".entered").inner_text() == "9"
    assert acquisition.locator(".moved-on").inner_text() == "1"
    screenshot(page, "funnel")
    page.locator("#id_date_from").fill("2026-05-01")
    page.locator("#id_date_to").fill("2026-04-01")
    page.get_by_role("button", name="Show").click()
    assert "must not be after" in page.get_by_role("alert").inner_text()


def test_customer_pages_fit_a_phone(browser, live_server, agent):
    ada = _customers()
    context = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 740})
    page = context.new_page()
    login(page, agent.username, PASSWORD)
    for url, name in [
        ("/customers/", "customer-list-phone"),
        (f"/customers/{ada.pk}/", "customer-page-phone"),
    ]:
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), url
        screenshot(page, name)
    context.close()
