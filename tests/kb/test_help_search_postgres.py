"""PostgreSQL full-text search: stemming, ranking and the GIN index."""

import pytest
from django.db import connection

from kb.models import ArticleTranslation
from kb.selectors import article_search
from tests.factories import KbSectionFactory, kb_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def articles(postgres):
    section = KbSectionFactory()
    return [
        kb_article(section=section, title="Passwords and sign-in", body="Reset it from the login page."),
        kb_article(
            section=section, title="Account settings", body="Your password is changed under Security."
        ),
        kb_article(section=section, title="Shipping", body="We ship worldwide."),
    ]


def test_postgres_search_stems_and_ranks_title_first(articles):
    found = article_search(query="password", language="en")
    assert [a.pk for a in found] == [articles[0].pk, articles[1].pk]
    assert found[0].rank > found[1].rank


def test_postgres_search_understands_websearch_syntax(articles):
    found = article_search(query="password -security", language="en")
    assert [a.pk for a in found] == [articles[0].pk]
    assert article_search(query='"ship worldwide"', language="en")[0].pk == articles[2].pk


def test_postgres_search_vector_is_filled_and_gin_index_is_used(articles):
    assert not ArticleTranslation.objects.filter(search_vector__isnull=True).exists()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM kb_articletranslation "
            "WHERE search_vector @@ websearch_to_tsquery('english'::regconfig, 'password')"
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "kb_translation_search_gin" in plan
