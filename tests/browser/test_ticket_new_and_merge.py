"""An agent logs a phone call as a ticket, then merges a duplicate into it, in a real browser."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login, screenshot
from tests.factories import PASSWORD, TicketFactory
from tests.tickets.workspace import agent_in, team
from tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)


def test_agent_opens_a_phone_ticket_and_merges_a_duplicate_into_it(page):
    crew = team(name="Billing")
    ann = agent_in(crew, username="ann", first_name="Ann", last_name="Lee")
    login(page, ann.username, PASSWORD)
    page.wait_for_url("**/tickets/")
    page.get_by_role("link", name="New ticket").click()
    page.wait_for_url("**/tickets/new/")
    page.get_by_label("Customer email").fill("dana@example.test")
    page.get_by_label("Customer name").fill("דנה כהן")
    page.get_by_label("Subject").fill("שאלה על החשבונית")
    page.get_by_label("Message").fill("Called about invoice 1042: charged twice.")
    page.get_by_label("Priority").select_option("high")
    page.get_by_label("Team").select_option(label="Billing")
    screenshot(page, "ticket-new-form")
    page.get_by_role("button", name="Open ticket").click()
    expect(page.get_by_role("alert").first).to_contain_text("opened.")
    ticket = Ticket.objects.get(subject="שאלה על החשבונית")
    assert (ticket.channel, ticket.priority, ticket.team, ticket.assignee) == ("phone", "high", crew, ann)
    duplicate = TicketFactory(team=crew, subject="Charged twice", customer_email="dana@example.test")
    page.goto(page.url.replace(ticket.reference, duplicate.reference))
    page.get_by_label("Merge into ticket").fill(ticket.reference)
    page.get_by_role("button", name="Merge", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Merge {duplicate.reference} into {ticket.reference}?"
    )
    screenshot(page, "ticket-merge-confirm")
    page.get_by_role("button", name=f"Merge into {ticket.reference}").click()
    expect(page.get_by_role("alert").first).to_contain_text(f"{duplicate.reference} was merged into")
    page.wait_for_url(f"**/tickets/{ticket.reference}/")
    expect(page.get_by_text("Hello, I need some help with my order.")).to_be_visible()
    screenshot(page, "ticket-merged")
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id == ticket.pk
