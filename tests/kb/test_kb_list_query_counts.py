"""Every list page stays within a fixed number of queries however many articles it shows."""

import pytest
from django.urls import reverse

from kb.services import translation_save
from tests.factories import KbSectionFactory, kb_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def many_articles():
    section = KbSectionFactory()
    other = KbSectionFactory(category=section.category)
    articles = []
    for i in range(12):
        article = kb_article(
            section=section if i % 2 else other,
            title=f"Billing question {i}",
            body="About billing.",
            keywords=["billing"],
        )
        if i % 3 == 0:
            translation_save(
                article=article, language="yi", title=f"רעכענונג {i}", body_markdown="x", by=None
            )
        articles.append(article)
    return articles


def test_help_home_query_count(client, many_articles, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response = client.get(reverse("help:home"), {"lang": "yi"})
    assert response.content.decode().count('class="list-group-item"><a href="/help/articles/') == 8


def test_help_category_query_count(client, many_articles, django_assert_max_num_queries):
    slug = many_articles[0].section.category.slug
    with django_assert_max_num_queries(6):
        response = client.get(reverse("help:category", args=[slug]))
    assert len(response.context["articles"]) == 12


def test_help_search_query_count(client, many_articles, django_assert_max_num_queries):
    with django_assert_max_num_queries(7):  # search (3) and the counter upsert
        response = client.get(reverse("help:search"), {"q": "billing"})
    assert len(response.context["results"]) == 12


def test_help_article_query_count(client, many_articles, django_assert_max_num_queries):
    article = many_articles[0]
    url = reverse("help:article", args=[article.pk, article.translations.get(language="en").slug])
    with django_assert_max_num_queries(10):
        response = client.get(url)
    assert len(response.context["related"]) == 5


def test_suggest_query_count(client, many_articles, django_assert_max_num_queries):
    # Search (3) plus, on a visitor's first suggestion, creating the session and its counter row.
    with django_assert_max_num_queries(17):
        response = client.get(reverse("help:suggest"), {"q": "billing"})
    assert len(response.context["results"]) == 5


def test_staff_article_list_query_count(client, agent, many_articles, django_assert_max_num_queries):
    client.force_login(agent)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("kb:article_list"))
    assert len(response.context["page"].object_list) == 12


def test_staff_search_query_count(client, agent, many_articles, django_assert_max_num_queries):
    client.force_login(agent)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("kb:search"), {"q": "billing"})
    assert len(response.context["results"]) == 8


def test_insights_query_count(client, agent, many_articles, django_assert_max_num_queries):
    client.force_login(agent)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("kb:insights")).status_code == 200
