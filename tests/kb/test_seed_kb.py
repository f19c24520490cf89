import pytest
from django.core.management import call_command

from helpdesk.seeding.kb import article_count
from kb.models import Article, ArticleTranslation, ArticleViewDay, DeflectionSession, SearchDay

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_a_scaled_knowledge_base_once(settings):
    settings.DEBUG = True
    call_command("seed_demo", tickets=400, customers=10, seed=3)
    assert Article.objects.count() == 100
    languages = set(ArticleTranslation.objects.values_list("language", flat=True))
    assert {"en", "yi"} <= languages
    assert Article.objects.public().exists() and Article.objects.exclude(state="published").exists()
    assert ArticleViewDay.objects.exists() and SearchDay.objects.filter(found=False).exists()
    assert DeflectionSession.objects.exists()
    assert Article.objects.filter(popularity__gt=0).exists()
    slugs = list(ArticleTranslation.objects.values_list("language", "slug"))
    assert len(slugs) == len(set(slugs))
    call_command("seed_demo", tickets=400, customers=10, seed=3)
    assert Article.objects.count() == 100


def test_seeded_help_center_pages_render(settings, client):
    settings.DEBUG = True
    call_command("seed_demo", tickets=200, customers=5, seed=4)
    assert client.get("/help/").status_code == 200
    article = Article.objects.public().first()
    assert client.get(f"/help/articles/{article.pk}/", follow=True).status_code == 200
    assert client.get("/help/search/", {"q": "password"}).context["results"]


def test_seeding_at_benchmark_size_makes_5000_articles():
    # The help-center budgets hold "with 5,000 articles": every bench size from 20,000 tickets.
    assert article_count(1_000_000) == article_count(100_000) == article_count(20_000) == 5000
    assert article_count(400) == 100 and article_count(0) == 40
