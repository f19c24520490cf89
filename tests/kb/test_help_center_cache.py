"""The help center's kept lists change as soon as an article, section or category does."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from kb import help_cache
from kb.models import Article, Category
from kb.services import article_update, article_view_record, popularity_refresh, translation_save
from tests.factories import KbSectionFactory, kb_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run the invalidation the way production does: after the writing transaction commits."""

    def run(write, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return write(*args, **kwargs)

    return run


def _home(client, language="en") -> str:
    return client.get(reverse("help:home"), {"lang": language}).content.decode()


def _category(client, article, **params):
    return client.get(reverse("help:category", args=[article.section.category.slug]), params)


def _unpublish(article, state=Article.State.ARCHIVED):
    return article_update(
        article=article,
        by=None,
        title=article.translations.get(language="en").title,
        body_markdown="x",
        section=article.section,
        state=state,
        is_internal=False,
    )


def test_home_and_category_are_built_once_per_version(client, django_assert_max_num_queries):
    article = kb_article(title="Kept article")
    _home(client), _category(client, article)
    with django_assert_max_num_queries(0):
        assert "Kept article" in _home(client)
        assert "Kept article" in _category(client, article).content.decode()


def test_published_article_shows_at_once(client, on_commit):
    first = kb_article(title="First article")
    assert "First article" in _home(client)
    on_commit(kb_article, title="Second article", section=first.section)
    assert "Second article" in _home(client)
    assert "Second article" in _category(client, first).content.decode()


@pytest.mark.parametrize("state", [Article.State.ARCHIVED, Article.State.DRAFT])
def test_unpublished_article_disappears_at_once(client, on_commit, state):
    kept = kb_article(title="Stays public")
    gone = kb_article(title="Goes away", section=kept.section)
    assert "Goes away" in _home(client)
    assert "Goes away" in _category(client, kept).content.decode()
    on_commit(_unpublish, gone, state)
    assert "Goes away" not in _home(client)
    assert "Goes away" not in _category(client, kept).content.decode()


def test_category_with_no_public_article_left_is_404_at_once(client, on_commit):
    only = kb_article(title="Only one")
    assert _category(client, only).status_code == 200
    on_commit(_unpublish, only)
    assert _category(client, only).status_code == 404
    assert "Only one" not in _home(client)


def test_new_translation_shows_in_its_language_only(client, on_commit):
    article = kb_article(title="Reset your password")
    assert "Reset your password" in _home(client, "yi")
    on_commit(translation_save, article=article, language="yi", title="פּאַראָל", body_markdown="x", by=None)
    assert "פּאַראָל" in _home(client, "yi")
    assert "פּאַראָל" not in _home(client, "en")
    assert "פּאַראָל" in _category(client, article, lang="yi").content.decode()


def test_popularity_refresh_reorders_popular_articles(client, on_commit):
    quiet, busy = kb_article(title="Quiet"), kb_article(title="Busy")
    assert [a.pk for a in client.get(reverse("help:home")).context["popular"]] == [busy.pk, quiet.pk]
    article_view_record(article_id=quiet.pk)
    on_commit(popularity_refresh)
    assert [a.pk for a in client.get(reverse("help:home")).context["popular"]] == [quiet.pk, busy.pk]


@pytest.mark.parametrize("model", [Article, Category])
def test_admin_changes_show_at_once(client, on_commit, admin_user, model):
    article = kb_article(title="Admin article", section=KbSectionFactory(category__name="Old name"))
    assert "Old name" in _home(client)
    request = RequestFactory().post("/")
    request.user = admin_user
    if model is Article:
        article.state = Article.State.DRAFT
        on_commit(admin.site._registry[Article].save_model, request, article, None, True)
        assert "Admin article" not in _home(client)
    else:
        category = article.section.category
        category.name = "New name"
        on_commit(admin.site._registry[Category].save_model, request, category, None, True)
        assert "New name" in _home(client)


def test_nothing_is_kept_without_the_shared_cache(client, monkeypatch):
    monkeypatch.setattr(help_cache, "_version", lambda: None)
    article = kb_article(title="Before")
    assert "Before" in _home(client)
    Article.objects.filter(pk=article.pk).update(state=Article.State.ARCHIVED)  # no invalidation at all
    assert "Before" not in _home(client)
