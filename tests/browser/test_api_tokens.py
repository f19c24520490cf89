import pytest

from helpdesk.roles import AGENT
from tests.browser.conftest import login, screenshot
from tests.factories import PASSWORD, staff_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_admin_creates_and_revokes_a_token(page, admin_user):
    staff_user(AGENT, username="shop-bot")
    login(page, admin_user.username, PASSWORD)
    page.get_by_role("link", name="API tokens").click()
    page.get_by_label("Name").fill("Shop")
    page.locator("#id_user").select_option(index=1)
    page.get_by_label("Tickets, their messages and attachments: read", exact=True).check()
    page.get_by_role("button", name="Create token").click()
    token = page.get_by_label("Token").input_value()
    assert token.startswith("hd_")
    screenshot(page, "api-token-created")
    page.get_by_role("link", name="Back to API tokens").click()
    assert token not in page.content()
    page.get_by_role("button", name="Revoke Shop").click()
    assert page.get_by_role("alert").first.inner_text().startswith("Token “Shop” was revoked")
    screenshot(page, "api-tokens")


def test_api_docs_render_under_the_content_security_policy(page):
    page.goto("/api/docs/")
    page.get_by_text("Helpdesk API").first.wait_for()
    screenshot(page, "api-docs")
