import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kb.models import Article
from kb.services import article_view_record
from kb.tasks import kb_popularity_refresh
from tests.factories import kb_article

pytestmark = pytest.mark.django_db


def test_popularity_counts_the_last_30_days_and_orders_popular_articles(client):
    quiet, busy, stale = kb_article(title="Quiet"), kb_article(title="Busy"), kb_article(title="Stale")
    today = timezone.localdate()
    for _ in range(3):
        article_view_record(article_id=busy.pk)
    article_view_record(article_id=quiet.pk, day=today - dt.timedelta(days=29))
    for _ in range(9):
        article_view_record(article_id=stale.pk, day=today - dt.timedelta(days=45))
    kb_popularity_refresh.delay()
    assert dict(Article.objects.values_list("pk", "popularity")) == {quiet.pk: 1, busy.pk: 3, stale.pk: 0}
    popular = client.get(reverse("help:home")).context["popular"]
    assert [a.display.title for a in popular] == ["Busy", "Quiet", "Stale"]


def test_article_page_view_is_counted_once_per_request(client):
    article = kb_article()
    url = reverse("help:article_by_id", args=[article.pk])
    client.get(url, follow=True)
    client.get(url, follow=True)
    view_day = article.view_days.get()
    assert (view_day.views, view_day.from_suggestion) == (2, 0)
