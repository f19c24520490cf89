"""The agent's day in the workspace, in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login, screenshot
from tests.factories import PASSWORD, CannedReplyFactory, TicketFactory
from tests.tickets.workspace import agent_in, team
from tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def crew():
    return team(name="Billing")


@pytest.fixture
def ann(crew):
    return agent_in(crew, username="ann", first_name="Ann", last_name="Lee")


def test_agent_filters_opens_replies_with_canned_reply_and_solves(page, crew, ann):
    target = TicketFactory(
        team=crew, assignee=ann, subject="Refund for broken kettle", customer_name="Dana Smith"
    )
    TicketFactory(team=crew, assignee=ann, subject="Password reset", priority="high")
    CannedReplyFactory(title="Refund sent", body="Hi {{ customer.first_name }}, your refund is on its way.")
    login(page, ann.username, PASSWORD)
    page.wait_for_url("**/tickets/")
    expect(page.get_by_role("link", name="Password reset")).to_be_visible()
    page.get_by_label("Search").fill("kettle")
    page.get_by_label("Search").press("Enter")
    expect(page.get_by_role("link", name="Password reset")).to_have_count(0)
    # Enter can send the filter form twice (change, then submit): let the second swap land before
    # clicking, or it replaces the link under the click and the navigation never starts.
    page.wait_for_load_state("networkidle")
    screenshot(page, "workspace-queue-filtered")
    page.get_by_role("link", name=target.reference).click()
    page.wait_for_url(f"**/tickets/{target.reference}/")
    page.get_by_label("Canned reply").select_option(label="Refund sent")
    expect(page.locator(".canned-preview")).to_contain_text("Hi Dana, your refund is on its way.")
    page.get_by_role("button", name="Insert into reply").click()
    expect(page.get_by_label("Message", exact=True)).to_have_value("Hi Dana, your refund is on its way.")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_role("alert").first).to_contain_text("Reply sent.")
    expect(page.locator(".message-from-agent")).to_contain_text("your refund is on its way")
    page.get_by_role("button", name="Solve").click()
    expect(page.get_by_role("alert").first).to_contain_text("is solved")
    page.get_by_role("link", name="Tickets").first.click()
    page.get_by_role("link", name="My open").click()
    expect(page.get_by_role("link", name="Password reset")).to_be_visible()
    expect(page.get_by_role("link", name="Refund for broken kettle")).to_have_count(0)
    assert Ticket.objects.get(pk=target.pk).status == "solved"


def test_second_agent_sees_collision_notice(browser, live_server, crew, ann):
    bob = agent_in(crew, username="bob", first_name="Bob", last_name="Ray")
    ticket = TicketFactory(team=crew, subject="Shared ticket")
    pages = []
    for user in (ann, bob):
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
        page = context.new_page()
        page.set_default_timeout(10_000)
        login(page, user.username, PASSWORD)
        page.wait_for_url("**/tickets/")
        pages.append(page)
    ann_page, bob_page = pages
    ann_page.goto(f"/tickets/{ticket.reference}/")
    bob_page.goto(f"/tickets/{ticket.reference}/")
    expect(bob_page.locator("#presence")).to_contain_text("Ann Lee is viewing")
    # Bob's page asks only once Ann's page has told the server she is replying (no race).
    with ann_page.expect_response(
        lambda r: r.url.endswith("/presence/") and "state=replying" in (r.request.post_data or "")
    ):
        ann_page.get_by_label("Message", exact=True).fill("Drafting an answer")
    bob_page.evaluate("htmx.trigger('#presence', 'presence-now')")
    expect(bob_page.locator("#presence")).to_contain_text("Ann Lee is replying")
    # Bob answers first; Ann's reply is held back with her draft kept.
    bob_page.get_by_label("Message", exact=True).fill("Bob was quicker")
    bob_page.get_by_role("button", name="Send", exact=True).click()
    expect(bob_page.get_by_role("alert").first).to_contain_text("Reply sent.")
    ann_page.get_by_role("button", name="Send", exact=True).click()
    expect(ann_page.locator("#collision")).to_contain_text("Bob was quicker")
    expect(ann_page.get_by_label("Message", exact=True)).to_have_value("Drafting an answer")
    screenshot(ann_page, "workspace-collision")
    ann_page.get_by_role("button", name="Send anyway").click()
    expect(ann_page.get_by_role("alert").first).to_contain_text("Reply sent.")
    for page in pages:
        page.context.close()


def test_keyboard_shortcuts_move_open_and_compose(page, crew, ann):
    made = [TicketFactory(team=crew, subject=f"Keyboard ticket {i}") for i in range(3)]
    login(page, ann.username, PASSWORD)
    page.wait_for_url("**/tickets/")
    page.goto("/tickets/?view=teams")
    page.locator("body").press("?")
    expect(page.get_by_role("dialog")).to_be_visible()
    expect(page.get_by_role("dialog")).to_contain_text("Assign to me")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == made[-1].reference
    page.keyboard.press("j")
    page.keyboard.press("o")
    page.wait_for_url(f"**/tickets/{made[-2].reference}/")
    page.keyboard.press("n")
    expect(page.get_by_role("radio", name="Internal note")).to_be_checked()
    expect(page.get_by_label("Message", exact=True)).to_be_focused()
    page.keyboard.type("jkos")  # typing in the composer triggers nothing
    expect(page.get_by_label("Message", exact=True)).to_have_value("jkos")
    page.keyboard.press("Escape")
    page.keyboard.press("r")
    expect(page.get_by_role("radio", name="Public reply")).to_be_checked()
    page.keyboard.press("Escape")
    page.keyboard.press("a")
    expect(page.get_by_role("alert").first).to_contain_text("assigned to you")
    page.keyboard.press("/")
    page.wait_for_url(re.compile(r".*/tickets/#search$"))
    expect(page.get_by_label("Search")).to_be_focused()


def test_screenshots_of_queue_rtl_ticket_and_phone(browser, live_server, page, crew, ann):
    yiddish = TicketFactory(
        team=crew,
        assignee=ann,
        subject="מיין באַשטעלונג איז נישט אָנגעקומען",
        customer_name="חיים לעווין",
        body="שלום, איך האָב באַשטעלט א קעסל מיט צוויי וואָכן צוריק און ער איז נאָך נישט דאָ.",
        tags=["shipping"],
    )
    for i in range(8):
        TicketFactory(
            team=crew,
            assignee=ann if i % 2 else None,
            subject=f"Order {1000 + i} arrived damaged",
            priority=["low", "normal", "high", "urgent"][i % 4],
        )
    login(page, ann.username, PASSWORD)
    page.wait_for_url("**/tickets/")
    page.goto("/tickets/?view=open")
    screenshot(page, "workspace-queue")
    page.goto(f"/tickets/{yiddish.reference}/")
    subject = page.get_by_role("heading", level=1)
    assert subject.evaluate("el => getComputedStyle(el).direction") == "rtl"
    screenshot(page, "workspace-ticket-rtl")
    context = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 740})
    phone = context.new_page()
    login(phone, ann.username, PASSWORD)
    phone.wait_for_url("**/tickets/")
    phone.goto("/tickets/?view=open")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    expect(phone.get_by_role("region", name=re.compile("Tickets"))).to_be_visible()
    screenshot(phone, "workspace-queue-phone")
    phone.goto(f"/tickets/{yiddish.reference}/")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(phone, "workspace-ticket-phone")
    context.close()
