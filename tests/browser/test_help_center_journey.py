"""A customer finds an answer in the help center; an agent writes an article with the preview."""

import pytest
from django.utils import timezone

from kb.insights import kb_deflection_rate
from kb.models import ArticleVote, DeflectionSession
from kb.services import translation_save
from tests.browser.conftest import login, screenshot
from tests.factories import PASSWORD, KbSectionFactory, kb_article

pytestmark = pytest.mark.django_db(transaction=True)

YIDDISH_TITLE = "ווי אַזוי צו בײַטן דאָס פּאַראָל"  # noqa: RUF001 - Yiddish
YIDDISH_BODY = """## איידער איר הייבט אָן

זײַט זיכער אַז איר זײַט אַרײַנלאָגירט.

1. עפֿנט **באַשטימונגען**.
2. דריקט **ענדערן** (Settings → Edit).
"""


@pytest.fixture
def help_center():
    section = KbSectionFactory(
        category__name="Account and sign-in", category__slug="account", name="Passwords"
    )
    article = kb_article(
        section=section,
        title="Reset your password",
        body="## Steps\n\n1. Open **Settings**.\n2. Choose *Reset password*.\n\n> The link lasts one hour.",
        keywords=["password"],
    )
    translation_save(
        article=article,
        language="yi",
        title=YIDDISH_TITLE,
        body_markdown=YIDDISH_BODY,
        by=None,
    )
    kb_article(
        section=section,
        title="Two-step sign-in codes",
        body="Use the code from your phone.",
        keywords=["password"],
    )
    kb_article(
        section=section, title="Change your password on a phone", body="Open the app and go to **Settings**."
    )
    return article


def test_visitor_searches_reads_and_votes(page, help_center):
    page.goto("/help/")
    screenshot(page, "help-home")
    page.get_by_label("Search the help center").fill("reset password")
    page.get_by_label("Search the help center").press("Enter")
    page.wait_for_url("**/help/search/?q=*")
    screenshot(page, "help-search")
    page.get_by_role("link", name="Reset your password").click()
    page.wait_for_url(f"**/help/articles/{help_center.pk}-reset-your-password/")
    assert page.get_by_role("heading", name="Reset your password").is_visible()
    assert page.get_by_role("complementary").get_by_role("link", name="Two-step sign-in codes").is_visible()
    screenshot(page, "help-article")
    page.get_by_role("button", name="Yes").click()
    page.get_by_text("Thank you for your feedback.").wait_for()
    screenshot(page, "help-article-voted")
    assert ArticleVote.objects.get().helpful is True
    page.reload()
    assert page.get_by_text("Thank you for your feedback.").is_visible()
    assert ArticleVote.objects.count() == 1


def test_yiddish_article_is_right_to_left(page, help_center):
    page.goto(f"/help/articles/{help_center.pk}/?lang=yi")
    article = page.locator("article.help-article")
    assert article.get_attribute("dir") == "rtl"
    assert article.evaluate("el => getComputedStyle(el).direction") == "rtl"
    assert page.get_by_label("Language", exact=True).input_value() == "yi"
    screenshot(page, "help-article-yiddish")


def test_language_picker_switches_the_help_center(page, help_center):
    page.goto("/help/")
    page.get_by_label("Language", exact=True).select_option("yi")
    page.wait_for_url("**lang=yi*")
    assert page.get_by_role("link", name=YIDDISH_TITLE).is_visible()


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("home", "/help/"),
        ("article-yiddish", "/help/articles/{pk}/?lang=yi"),
        ("search", "/help/search/?q=password"),
    ],
)
def test_help_center_fits_a_phone(browser, live_server, help_center, name, path):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.goto(path.format(pk=help_center.pk))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, f"help-phone-{name}")
    context.close()


def test_suggestions_while_typing_a_subject_then_opening_one(page, help_center):
    # The portal's new-ticket form is another app's; this stands in for its subject field.
    page.goto("/help/")
    page.evaluate(
        """() => {
          const main = document.querySelector("main");
          main.insertAdjacentHTML("afterbegin",
            '<label for="subject">Subject</label><input id="subject" name="q" hx-get="/help/suggest/" ' +
            'hx-trigger="input changed delay:200ms" hx-target="#suggestions"><div id="suggestions"></div>');
          htmx.process(main);
        }"""
    )
    page.get_by_label("Subject").press_sequentially("forgot my password")
    page.locator("#suggestions").get_by_role("link", name="Reset your password").wait_for()
    screenshot(page, "help-suggestions")
    with page.context.expect_page() as opened:
        page.locator("#suggestions").get_by_role("link", name="Reset your password").click()
    opened.value.wait_for_load_state()
    assert opened.value.get_by_role("heading", name="Reset your password").is_visible()
    session = DeflectionSession.objects.get()
    assert session.suggestions_shown >= 1 and session.articles_opened == 1
    today = timezone.localdate()
    assert kb_deflection_rate(date_from=today, date_to=today).deflected == 1


def test_agent_writes_an_article_with_live_preview(page, agent, help_center):
    login(page, agent.username, PASSWORD)
    page.wait_for_url("**/tickets/")
    page.goto("/kb/articles/new/")
    page.get_by_label("Title").fill("Change the delivery address")
    page.get_by_label("Body (Markdown)").fill(
        "Go to **Orders** and press *Edit*.\n\n<script>alert(1)</script>"
    )
    page.locator("#markdown-preview strong", has_text="Orders").wait_for()
    assert page.locator("#markdown-preview script").count() == 0
    page.get_by_label("Section").select_option(label=str(help_center.section))
    page.get_by_label("State").select_option("published")
    page.get_by_label("Keywords").fill("delivery, address")
    screenshot(page, "kb-editor-preview")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Article created.").wait_for()
    assert page.get_by_role("heading", name="Change the delivery address").is_visible()
    screenshot(page, "kb-article-detail")
    page.get_by_role("link", name="History").click()
    page.get_by_text("Created").first.wait_for()
    screenshot(page, "kb-article-history")


def test_agent_inserts_an_article_link_into_a_reply(page, agent, help_center, live_server):
    from tests.factories import TeamFactory, TicketFactory

    ticket = TicketFactory(team=TeamFactory(members=[agent]), subject="How do I reset my password?")
    login(page, agent.username, PASSWORD)
    page.wait_for_url("**/tickets/")
    page.goto(f"/tickets/{ticket.reference}/")
    page.get_by_label("Knowledge base").fill("password")
    results = page.locator("[id^=kb-composer-results]")
    results.get_by_role("button", name="Insert link").first.click()
    value = page.locator("#id_body").input_value()
    assert value.startswith("Reset your password: ") and f"/help/articles/{help_center.pk}-" in value
    results.get_by_role("button", name="Insert text").first.click()
    assert "Open **Settings**" in page.locator("#id_body").input_value()
    screenshot(page, "kb-composer-insert")


def test_manager_reads_the_help_center_insights(page, manager, help_center):
    from kb.services import article_view_record, article_vote, search_record

    for _ in range(3):
        article_view_record(article_id=help_center.pk)
    article_vote(article=help_center, visitor="a" * 32, helpful=True)
    article_vote(article=help_center, visitor="b" * 32, helpful=False)
    search_record(query="teleport my parcel", language="en", found=False)
    search_record(query="ביטקוין", language="yi", found=False)
    login(page, manager.username, PASSWORD)
    page.wait_for_url("**/dashboard/")
    page.goto("/kb/insights/")
    assert page.get_by_role("row", name="teleport my parcel 1").is_visible()
    assert page.get_by_text("1 of 2 votes").is_visible()
    screenshot(page, "kb-insights")
    page.goto("/help/categories/account/")
    screenshot(page, "help-category")
