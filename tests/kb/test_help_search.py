import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from kb.insights import kb_failed_searches
from kb.models import Article, SearchDay
from kb.selectors import article_search
from kb.services import translation_save
from tests.factories import KbSectionFactory, kb_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def articles():
    section = KbSectionFactory()
    return {
        "title": kb_article(
            section=section, title="Export your invoices", body="Open billing and press the button."
        ),
        "body": kb_article(
            section=section, title="Billing overview", body="You can export invoices as PDF files."
        ),
        "other": kb_article(section=section, title="Delivery times", body="Parcels arrive in three days."),
    }


def test_search_finds_words_in_title_before_body(articles):
    found = article_search(query="export invoices", language="en")
    assert [a.pk for a in found] == [articles["title"].pk, articles["body"].pk]
    assert found[0].display.title == "Export your invoices"


def test_search_matches_translation_in_visitor_language(articles):
    translation_save(
        article=articles["other"],
        language="yi",
        title="ווען קומט אָן דער פּעקל",
        body_markdown="דרײַ טעג",
        by=None,
    )
    found = article_search(query="פּעקל", language="yi")
    assert [a.pk for a in found] == [articles["other"].pk]
    assert found[0].display.language == "yi"


def test_search_skips_unpublished_and_internal(articles):
    kb_article(title="Export secrets", body="export", state=Article.State.DRAFT)
    kb_article(title="Export internal", body="export", is_internal=True)
    titles = {a.display.title for a in article_search(query="export", language="en")}
    assert titles == {"Export your invoices", "Billing overview"}
    staff_titles = {
        a.display.title for a in article_search(query="export", language="en", include_internal=True)
    }
    assert "Export internal" in staff_titles and "Export secrets" not in staff_titles


def test_search_page_records_queries_and_failed_ones(client, articles):
    client.get(reverse("help:search"), {"q": "Export  Invoices"})
    client.get(reverse("help:search"), {"q": "teleport my cat"})
    client.get(reverse("help:search"), {"q": "teleport MY cat"})
    response = client.get(reverse("help:search"), {"q": "teleport my cat"})
    assert "Nothing matched" in response.content.decode()
    assert SearchDay.objects.get(found=True).query == "export invoices"
    today = timezone.localdate()
    failed = kb_failed_searches(date_from=today, date_to=today)
    assert [(f.query, f.count) for f in failed] == [("teleport my cat", 3)]


def test_search_page_without_query_records_nothing(client, articles):
    assert client.get(reverse("help:search")).status_code == 200
    assert client.get(reverse("help:search"), {"q": "   "}).status_code == 200
    assert not SearchDay.objects.exists()


def test_search_survives_operators_and_long_input(client, articles):
    for q in ['"export', "export & | ! (", "-", "x" * 5000, "'; drop table kb_article; --"]:
        assert client.get(reverse("help:search"), {"q": q}).status_code == 200


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the SQLite fallback")
def test_fallback_search_needs_every_word(articles):
    assert article_search(query="export parcels", language="en") == []
