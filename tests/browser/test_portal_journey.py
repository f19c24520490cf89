"""A customer's journey through the portal, in a real browser."""

import pytest

from tests.browser.conftest import login, screenshot
from tests.factories import PASSWORD, TicketFactory
from tickets.models import Ticket
from tickets.services import ticket_note, ticket_reply, ticket_set_status

pytestmark = pytest.mark.django_db(transaction=True)


def _no_kb(page):
    # The knowledge base (another app) is not installed here: answer its suggestions with nothing.
    page.route(
        "**/help/suggest/**", lambda route: route.fulfill(status=200, body="", content_type="text/html")
    )


def test_customer_opens_answers_and_rates_a_ticket(page, customer_user, agent, tmp_path):
    _no_kb(page)
    login(page, customer_user.username, PASSWORD)
    page.get_by_role("heading", name="My requests").wait_for()
    page.get_by_role("link", name="New request").click()
    page.get_by_label("Subject").fill("The invoice PDF is blank")
    page.get_by_label("How can we help?").fill("Invoice 2026-11 opens as an empty page.")
    attachment = tmp_path / "invoice.txt"
    attachment.write_text("blank page")
    page.get_by_label("Attachments").set_input_files(str(attachment))
    page.get_by_role("button", name="Send request").click()
    page.get_by_text("was received").wait_for()
    ticket = Ticket.objects.get()
    assert ticket.channel == Ticket.Channel.PORTAL
    assert page.get_by_role("link", name="invoice.txt").is_visible()

    ticket_reply(ticket=ticket, by=agent, body="Thanks, we re-sent the invoice. Does it open now?")
    ticket_note(ticket=ticket, by=agent, body="Billing bug #88, do not mention to customer")
    page.reload()
    assert page.get_by_text("we re-sent the invoice").is_visible()
    assert "Billing bug" not in page.content()
    page.get_by_label("Your answer").fill("Yes, it works now. Thank you!")
    page.get_by_role("button", name="Send answer").click()
    page.get_by_text("Your answer was sent.").wait_for()
    screenshot(page, "portal-ticket-conversation")

    ticket_set_status(ticket=ticket, status=Ticket.Status.SOLVED, by=agent)
    page.reload()
    page.get_by_label("5 - Very satisfied").check()
    page.get_by_label("Comment (optional)").fill("Fast and friendly")
    page.get_by_role("button", name="Send rating").click()
    page.get_by_text("Thank you for your rating.").wait_for()
    assert page.get_by_role("heading", name="Your rating: 5 of 5").is_visible()
    ticket.refresh_from_db()
    assert ticket.rating.score == 5
    screenshot(page, "portal-ticket-rated")


def test_portal_list_on_a_phone_with_rtl_ticket(browser, live_server, customer_user, agent):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 740})
    page = context.new_page()
    login(page, customer_user.username, PASSWORD)
    ticket = TicketFactory(
        customer_email=customer_user.email,
        subject="מײַן פּעקל איז נישט אָנגעקומען",
        body="איך וואַרט שוין צוויי וואָכן אויף מײַן באַשטעלונג.",
    )
    ticket_reply(ticket=ticket, by=agent, body="מיר זוכן עס. Order 1042 is on its way.")
    for n in range(3):
        TicketFactory(customer_email=customer_user.email, subject=f"Question about my account number {n}")
    page.goto("/portal/")
    screenshot(page, "portal-home-phone")
    page.get_by_role("link", name="מײַן פּעקל").click()
    heading = page.get_by_role("heading", level=1)
    assert heading.get_attribute("dir") == "auto"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"page scrolls sideways ({width}px)"
    screenshot(page, "portal-ticket-rtl-phone")
    context.close()


def test_new_request_form_on_a_phone(browser, live_server, customer_user):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 740})
    page = context.new_page()
    _no_kb(page)
    login(page, customer_user.username, PASSWORD)
    page.goto("/portal/new/")
    page.get_by_label("Subject").fill("refund")
    assert page.locator("#kb-suggestions").is_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "portal-new-request-phone")
    context.close()
