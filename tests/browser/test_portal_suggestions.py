"""The new-request form asks the knowledge base for suggestions, and hides the region when it cannot."""

import pytest

from tests.browser.conftest import login, screenshot
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def _page(browser, live_server):
    # Its own context: the 404 below is expected, and the `page` fixture fails on console errors.
    return browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})


def test_suggestions_hide_when_knowledge_base_is_missing(browser, live_server, customer_user):
    context = _page(browser, live_server)
    page = context.new_page()
    page.route("**/help/suggest/**", lambda route: route.fulfill(status=404, body="Not found"))
    login(page, customer_user.username, PASSWORD)
    page.goto("/portal/new/")
    with page.expect_response("**/help/suggest/?q=refund*"):
        page.get_by_label("Subject").fill("refund")
    assert page.locator("#kb-suggestions").is_hidden()
    context.close()


def test_suggestions_show_matching_articles(browser, live_server, customer_user):
    context = _page(browser, live_server)
    page = context.new_page()
    articles = '<ul class="list-unstyled mb-0"><li><a href="/help/refunds/">How refunds work</a></li></ul>'
    page.route(
        "**/help/suggest/**", lambda route: route.fulfill(status=200, body=articles, content_type="text/html")
    )
    login(page, customer_user.username, PASSWORD)
    page.goto("/portal/new/")
    page.get_by_label("Subject").fill("refund")
    page.get_by_role("link", name="How refunds work").wait_for()
    assert page.locator("#kb-suggestions").get_attribute("aria-live") == "polite"
    screenshot(page, "portal-new-request-suggestions")
    context.close()
