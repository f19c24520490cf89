from datetime import timedelta

import pytest
from django.utils import timezone

from tests.browser.conftest import login, screenshot
from tests.factories import PASSWORD, CustomerFactory
from tests.kpis import builders
from tickets.models import Team

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def history(agent):
    team = Team.objects.create(name="Billing")
    agent.first_name, agent.last_name = "ليلى", "Haddad"
    agent.save()
    now = timezone.now()
    for i in range(24):
        customer = CustomerFactory()
        created = now - timedelta(days=i % 20, hours=2)
        t = builders.ticket(
            customer=customer,
            created_at=created,
            team=team if i % 3 else None,
            assignee=agent,
            channel=["email", "chat", "phone"][i % 3],
            stage=["reach", "conversion", None][i % 3],
        )
        builders.message(t, at=created + timedelta(minutes=5 + 20 * i), author=agent)
        if i % 4:
            builders.status(t, "solved", created + timedelta(hours=1 + i))
            builders.rate(t, 1 + i % 5, created + timedelta(hours=2 + i))
        builders.stage_change(customer, None, "reach", created - timedelta(days=3))
        if i % 2:
            builders.stage_change(customer, "reach", "conversion", created + timedelta(hours=3))


def test_manager_changes_range_and_filter_then_drills_down(page, manager, history):
    login(page, manager.username, PASSWORD)
    page.wait_for_url("**/dashboard/")
    page.locator("#chart-volume").wait_for()
    assert page.locator('[data-metric="volume"] .kpi-value').inner_text() == "24"
    screenshot(page, "dashboard")

    page.get_by_label("Range", exact=True).select_option("7")
    page.get_by_label("Channel", exact=True).select_option("chat")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**channel=chat**")
    volume = page.locator('[data-metric="volume"] .kpi-value').inner_text()
    assert volume == "3"
    screenshot(page, "dashboard-filtered")

    page.locator('[data-metric="volume"]').click()
    page.wait_for_url("**/dashboard/drill/volume/**")
    assert page.locator("#drill-table tbody tr").count() == 3
    assert page.get_by_role("heading", level=1).inner_text().startswith("3 tickets")
    screenshot(page, "dashboard-drill")


def test_dashboard_fits_a_phone(browser, live_server, manager, history):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 800})
    page = context.new_page()
    login(page, manager.username, PASSWORD)
    page.wait_for_url("**/dashboard/")
    page.locator("#chart-volume").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "dashboard-phone")
    context.close()
