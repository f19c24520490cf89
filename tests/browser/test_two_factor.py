import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.test_two_factor import code_for
from tests.browser.conftest import login, screenshot
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_agent_turns_on_two_factor_then_signs_in_with_a_code(page, agent):
    login(page, agent.username, PASSWORD)
    page.wait_for_url("**/tickets/")
    page.goto("/accounts/two-factor/")
    page.get_by_role("button", name="Set up an authenticator app").click()
    assert page.get_by_role("img", name="QR code for your authenticator app").is_visible()
    device = TOTPDevice.objects.get(user=agent)
    page.get_by_label("Code from your authenticator app").fill(code_for(device))
    screenshot(page, "two-factor-setup")
    page.get_by_role("button", name="Confirm and turn on").click()
    assert "Two-factor sign-in is on." in page.get_by_role("alert").first.inner_text()
    page.get_by_role("button", name=agent.get_full_name()).click()
    page.get_by_role("button", name="Sign out").click()
    login(page, agent.username, PASSWORD)
    page.wait_for_url("**/accounts/login/verify/")
    device.refresh_from_db()
    page.get_by_label("Code from your authenticator app").fill(code_for(device))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url("**/tickets/")
