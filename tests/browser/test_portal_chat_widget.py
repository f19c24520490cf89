"""The web chat widget sends a message and shows the agent's reply."""

import pytest

from tests.browser.conftest import screenshot
from tickets.models import Ticket
from tickets.services import ticket_reply

pytestmark = pytest.mark.django_db(transaction=True)


def test_visitor_sends_a_chat_message_and_sees_the_reply(page, agent):
    page.goto("/portal/chat-demo/")
    page.get_by_role("button", name="Chat with us").click()
    page.get_by_label("Your name").fill("Avi Peretz")
    page.get_by_label("Your email").fill("avi@example.test")
    page.get_by_label("Your message").fill("Do you ship to Haifa?")
    page.get_by_role("button", name="Send").click()
    page.get_by_text("Sent. We reply here").wait_for()
    ticket = Ticket.objects.get()
    assert ticket.channel == Ticket.Channel.CHAT
    assert ticket.requester_email == "avi@example.test"
    ticket_reply(ticket=ticket, by=agent, body="Yes, in 3 days.")
    page.get_by_text("Yes, in 3 days.").wait_for(timeout=15_000)
    screenshot(page, "chat-widget")
    page.keyboard.press("Escape")
    assert page.get_by_role("button", name="Chat with us").get_attribute("aria-expanded") == "false"


def test_chat_widget_on_a_phone(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.goto("/portal/chat-demo/")
    page.get_by_role("button", name="Chat with us").click()
    page.get_by_label("Your message").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "chat-widget-phone")
    context.close()


def test_signed_in_customer_chats_from_the_portal(page, customer_user):
    from tests.browser.conftest import login
    from tests.factories import PASSWORD

    login(page, customer_user.username, PASSWORD)
    page.get_by_role("button", name="Chat with us").click()
    assert page.get_by_label("Your email").count() == 0
    page.get_by_label("Your message").fill("Where is my refund?")
    page.keyboard.press("Enter")
    page.get_by_text("Sent. We reply here").wait_for()
    assert Ticket.objects.get().customer == customer_user.customer


def test_agent_is_warned_when_a_visitor_types_a_customers_address(page, browser, live_server, agent):
    from tests.browser.conftest import login
    from tests.factories import PASSWORD, CustomerFactory

    ada = CustomerFactory(display_name="עדה לאבלייס", email="ada@example.test")
    page.goto("/portal/chat-demo/")
    page.get_by_role("button", name="Chat with us").click()
    page.get_by_label("Your name").fill("Ada")
    page.get_by_label("Your email").fill("ada@example.test")
    page.get_by_label("Your message").fill("Which card is on my account?")
    page.get_by_role("button", name="Send").click()
    page.get_by_text("Sent. We reply here").wait_for()
    ticket = Ticket.objects.get()
    assert ticket.customer_id != ada.pk

    context = browser.new_context(base_url=live_server.url)
    staff = context.new_page()
    login(staff, agent.username, PASSWORD)
    staff.wait_for_url("**/tickets/")
    staff.goto(f"/tickets/{ticket.reference}/")
    notice = staff.get_by_role("note").filter(has_text="Address not verified")
    assert "ada@example.test" in notice.inner_text()
    notice.get_by_role("link", name="עדה לאבלייס").wait_for()
    screenshot(staff, "chat-claim-notice")
    context.close()
