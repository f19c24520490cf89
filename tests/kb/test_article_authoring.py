import pytest
from django.urls import reverse

from kb.models import Article, ArticleRevision
from tests.factories import KbSectionFactory, kb_article

pytestmark = pytest.mark.django_db


def form_data(section, **overrides):
    data = {
        "language": "en",
        "title": "Change the delivery address",
        "body_markdown": "Go to **Orders** and press *Edit*.",
        "section": section.pk,
        "state": "draft",
        "keywords": "Delivery, address",
        "summary": "",
    }
    return {**data, **overrides}


@pytest.mark.parametrize("name", ["kb:article_list", "kb:article_create", "kb:insights"])
def test_authoring_pages_need_a_staff_login(client, customer_user, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/accounts/login/" in response.url
    client.force_login(customer_user)
    assert client.get(reverse(name)).status_code == 403


def test_customer_cannot_create_or_edit_articles(client, customer_user):
    section = KbSectionFactory()
    article = kb_article(section=section)
    client.force_login(customer_user)
    assert client.post(reverse("kb:article_create"), form_data(section)).status_code == 403
    assert client.post(reverse("kb:article_edit", args=[article.pk]), form_data(section)).status_code == 403
    assert Article.objects.count() == 1


def test_agent_creates_article_with_revision_and_keywords(client, agent):
    section = KbSectionFactory()
    client.force_login(agent)
    response = client.post(reverse("kb:article_create"), form_data(section))
    article = Article.objects.get()
    assert response.status_code == 302 and response.url == reverse("kb:article_detail", args=[article.pk])
    assert article.state == "draft" and article.created_by == agent
    assert sorted(article.keywords.values_list("name", flat=True)) == ["address", "delivery"]
    translation = article.translations.get()
    assert translation.slug == "change-the-delivery-address"
    assert "<strong>Orders</strong>" in translation.body_html
    assert ArticleRevision.objects.get().author == agent


def test_agent_edit_stores_a_revision_and_history_shows_the_diff(client, agent):
    article = kb_article(title="Old title", body="Line one\nLine two")
    client.force_login(agent)
    data = form_data(
        article.section,
        title="New title",
        body_markdown="Line one\nLine 2",
        state="published",
        summary="Fix a typo",
    )
    assert client.post(reverse("kb:article_edit", args=[article.pk]), data).status_code == 302
    assert article.revisions.count() == 2
    html = client.get(reverse("kb:article_history", args=[article.pk])).content.decode()
    assert "Fix a typo" in html and agent.get_full_name() in html
    assert '<span class="kb-diff-del">- # Old title</span>' in html
    assert '<span class="kb-diff-add">+ # New title</span>' in html
    assert '<span class="kb-diff-add">+ Line 2</span>' in html


def test_saving_in_another_language_adds_a_translation(client, agent):
    article = kb_article(title="Returns")
    client.force_login(agent)
    page = client.get(reverse("kb:article_edit", args=[article.pk]), {"lang": "yi"})
    assert page.context["form"].initial["title"] == "Returns"  # starts from the default text
    data = form_data(
        article.section, language="yi", title="צוריקשיקן", body_markdown="טעקסט", state="published"
    )
    client.post(reverse("kb:article_edit", args=[article.pk]), data)
    assert sorted(article.translations.values_list("language", flat=True)) == ["en", "yi"]
    detail = client.get(reverse("kb:article_detail", args=[article.pk]), {"lang": "yi"}).content.decode()
    assert 'lang="yi" dir="rtl"' in detail


def test_invalid_article_form_shows_errors_not_500(client, agent):
    section = KbSectionFactory()
    client.force_login(agent)
    response = client.post(
        reverse("kb:article_create"),
        {**form_data(section), "title": "", "section": 999999, "state": "gone", "language": "xx"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"title", "section", "state", "language"} <= set(errors)
    assert not Article.objects.exists()


def test_publishing_sets_published_at_once(agent):
    from kb.services import article_update

    article = kb_article(state="draft")
    assert article.published_at is None
    article_update(
        article=article,
        by=agent,
        title="T",
        body_markdown="B",
        section=article.section,
        state="published",
        is_internal=False,
    )
    first = article.published_at
    assert first is not None
    article_update(
        article=article,
        by=agent,
        title="T",
        body_markdown="B2",
        section=article.section,
        state="published",
        is_internal=False,
    )
    article.refresh_from_db()
    assert article.published_at == first


def test_staff_sees_draft_and_internal_articles(client, agent):
    article = kb_article(title="Internal escalation steps", state="draft", is_internal=True)
    client.force_login(agent)
    html = client.get(reverse("kb:article_detail", args=[article.pk])).content.decode()
    assert "Internal escalation steps" in html and "Internal: agents only" in html
    assert "Internal escalation steps" in client.get(reverse("kb:article_list")).content.decode()


def test_unknown_article_is_404_for_staff(client, agent):
    client.force_login(agent)
    for name in ("kb:article_detail", "kb:article_edit", "kb:article_history"):
        assert client.get(reverse(name, args=[999999])).status_code == 404
