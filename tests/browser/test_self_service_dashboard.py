"""A manager reads the dashboard's Self-service section and follows it to the lists behind it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from kb.models import ArticleVote, DeflectionSession
from kb.services import article_view_record, search_record
from tests.browser.conftest import SCREENSHOTS, login, screenshot
from tests.factories import PASSWORD, KbCategoryFactory, KbSectionFactory, kb_article

pytestmark = pytest.mark.django_db(transaction=True)
YIDDISH = "ווי אַזוי צו בײַטן"  # noqa: RUF001 - Yiddish: a right-to-left query in the table


@pytest.fixture
def help_center():
    today, now = timezone.localdate(), timezone.now()
    billing = KbSectionFactory(category=KbCategoryFactory(name="Billing and payments"))
    account = KbSectionFactory(category=KbCategoryFactory(name="Account and sign-in"))
    refund = kb_article(title="How to get a refund", section=billing)
    password = kb_article(title="Reset your password", section=account)
    invoice = kb_article(title="Where to find your invoice", section=billing)
    for article, views, earlier in ((refund, 14, 6), (password, 9, 9), (invoice, 3, 1)):
        for _ in range(views):
            article_view_record(article_id=article.pk, day=today - timedelta(days=2))
        for _ in range(earlier):  # the previous 30 days, for the change
            article_view_record(article_id=article.pk, day=today - timedelta(days=40))
    ballots = [(refund, True)] * 5 + [(refund, False), (password, False), (password, False), (invoice, True)]
    for i, (article, helpful) in enumerate(ballots):
        ArticleVote.objects.create(article=article, visitor=f"v{i}", helpful=helpful, created_at=now)
    for i, (opened, submitted) in enumerate([(1, None), (1, None), (1, now), (0, now), (0, None)]):
        DeflectionSession.objects.create(
            session_key=f"s{i}",
            articles_opened=opened,
            first_opened_article=refund if opened else None,
            ticket_submitted_at=submitted,
        )
    for query, times in (("crypto payment", 7), ("fax number", 4), (YIDDISH, 2), ("=1+1", 1)):
        for _ in range(times):
            search_record(query=query, language="en", found=False)
    for _ in range(6):
        search_record(query="refund", language="en", found=True)
    return {"refund": refund, "password": password}


def test_manager_reads_self_service_and_drills_to_the_lists(page, manager, help_center):
    login(page, manager.username, PASSWORD)
    page.wait_for_url("**/dashboard/")
    section = page.locator("#self-service")
    section.scroll_into_view_if_needed()
    assert section.locator('[data-metric="article_views"] .kpi-value').inner_text() == "26"
    assert "+10" in section.locator('[data-metric="article_views"] .kpi-change').inner_text()
    assert section.locator('[data-metric="helpful_ratio"] .kpi-value').inner_text() == "66.7%"
    assert section.locator('[data-metric="deflection_rate"] .kpi-value').inner_text() == "50.0%"
    assert section.locator('[data-metric="searches_without_result"] .kpi-value').inner_text() == "14"
    assert "refresh every minute" in section.locator("#self-service-as-of").inner_text()
    searches = page.locator("#failed-searches tbody tr")
    assert searches.count() == 4 and searches.first.inner_text().startswith("crypto payment")
    articles = page.locator("#top-articles tbody tr")
    assert articles.first.inner_text().startswith("How to get a refund")
    screenshot(page, "dashboard-self-service")
    section.screenshot(path=str(SCREENSHOTS / "dashboard-self-service-section.png"))

    page.get_by_role("link", name="Every search without a result").click()
    page.wait_for_url("**/dashboard/self-service/searches/**")
    assert page.get_by_role("heading", level=1).inner_text() == "4 different searches found no article"
    assert page.locator("#search-table tbody tr").count() == 4
    screenshot(page, "dashboard-self-service-searches")

    page.go_back()
    page.locator('[data-metric="helpful_ratio"]').click()
    page.wait_for_url("**order=unhelpful**")
    rows = page.locator("#article-table tbody tr")
    assert rows.count() == 2 and rows.first.inner_text().startswith("Reset your password")
    page.get_by_role("link", name="Deflected requests").click()
    page.wait_for_url("**order=deflected**")
    assert page.locator("#article-table tbody tr").first.inner_text().startswith("How to get a refund")
    screenshot(page, "dashboard-self-service-articles")
