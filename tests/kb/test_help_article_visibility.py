import pytest
from django.urls import reverse

from kb.models import Article
from tests.factories import kb_article

pytestmark = pytest.mark.django_db


def article_url(article) -> str:
    return reverse("help:article_by_id", args=[article.pk])


def test_published_article_is_public_and_redirects_to_its_slug(client):
    article = kb_article(title="Reset your password")
    response = client.get(article_url(article))
    assert response.status_code == 302
    assert response.url.endswith(f"/help/articles/{article.pk}-reset-your-password/")
    page = client.get(response.url)
    assert page.status_code == 200
    assert "<strong>Settings</strong>" in page.content.decode()


@pytest.mark.parametrize(
    ("state", "internal"),
    [(Article.State.DRAFT, False), (Article.State.ARCHIVED, False), (Article.State.PUBLISHED, True)],
)
def test_draft_archived_and_internal_articles_are_never_public(client, state, internal):
    article = kb_article(title="Secret steps", state=state, is_internal=internal)
    slug = article.translations.get().slug
    assert client.get(reverse("help:article", args=[article.pk, slug])).status_code == 404
    assert client.get(article_url(article)).status_code == 404
    assert "Secret steps" not in client.get(reverse("help:home")).content.decode()
    assert "Secret steps" not in client.get(reverse("help:search"), {"q": "secret"}).content.decode()
    assert "Secret steps" not in client.get(reverse("help:suggest"), {"q": "secret steps"}).content.decode()
    category = article.section.category.slug
    assert client.get(reverse("help:category", args=[category])).status_code == 404


def test_draft_article_is_hidden_even_from_signed_in_staff_in_help_center(client, agent):
    article = kb_article(state=Article.State.DRAFT)
    client.force_login(agent)
    assert client.get(article_url(article)).status_code == 404


def test_unknown_article_and_category_are_404(client):
    assert client.get("/help/articles/999999-nothing/").status_code == 404
    assert client.get("/help/categories/nothing/").status_code == 404
