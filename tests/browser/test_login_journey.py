import pytest

from tests.browser.conftest import login, screenshot
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_agent_signs_in_and_lands_on_queue_then_signs_out(page, agent):
    page.goto("/accounts/login/")
    screenshot(page, "login")
    login(page, agent.username, PASSWORD)
    page.wait_for_url("**/tickets/")
    assert page.get_by_role("link", name="Tickets").get_attribute("aria-current") == "page"
    screenshot(page, "agent-landing")
    page.get_by_role("button", name=agent.get_full_name()).click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/")


def test_wrong_password_shows_error_and_keeps_focusable_form(page, agent):
    login(page, agent.username, "not the password")
    assert page.get_by_role("alert").inner_text().startswith("Please enter a correct username")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") in {"A", "INPUT"}


def test_login_page_is_usable_on_a_phone(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.goto("/accounts/login/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "login-phone")
    context.close()
