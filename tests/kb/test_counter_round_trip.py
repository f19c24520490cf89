"""Outside a transaction, PostgreSQL counts a view or a search in one round trip, commit included."""

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from kb.models import ArticleViewDay, SearchDay
from kb.services import article_view_record, search_record
from tests.factories import kb_article

pytestmark = pytest.mark.django_db(transaction=True)


def test_view_and_search_counters_take_one_statement_each(postgres):
    article = kb_article()
    with CaptureQueriesContext(connection) as queries:
        article_view_record(article_id=article.pk)
        article_view_record(article_id=article.pk, from_suggestion=True)
        search_record(query="Reset  Password", language="en", found=True)
    assert len(queries) == 3
    assert all(q["sql"].startswith("SET LOCAL synchronous_commit TO OFF; INSERT") for q in queries)
    view_day = ArticleViewDay.objects.get(article=article)
    assert (view_day.views, view_day.from_suggestion) == (2, 1)
    assert SearchDay.objects.get().count == 1
    with connection.cursor() as cursor:  # the setting ended with the implicit transaction
        cursor.execute("SELECT current_setting('synchronous_commit')")
        assert cursor.fetchone() == ("on",)


def test_a_failed_count_leaves_the_connection_usable(postgres):
    with pytest.raises(IntegrityError):  # an unknown article: the foreign key refuses it
        article_view_record(article_id=987654321)
    assert connection.in_atomic_block is False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
