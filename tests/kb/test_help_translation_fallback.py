import pytest
from django.urls import reverse

from kb.services import translation_save
from tests.factories import kb_article

pytestmark = pytest.mark.django_db

YIDDISH_TITLE = "ווי אַזוי צו בײַטן דאָס פּאַראָל"  # noqa: RUF001 - Yiddish


@pytest.fixture
def article():
    article = kb_article(title="How to change your password", body="Open the settings.")
    translation_save(
        article=article, language="yi", title=YIDDISH_TITLE, body_markdown="עפֿנט די **באַשטימונגען**.", by=None
    )
    return article


def test_article_shown_in_accept_language_translation_with_rtl(client, article):
    response = client.get(
        reverse("help:article_by_id", args=[article.pk]), HTTP_ACCEPT_LANGUAGE="yi,en;q=0.5", follow=True
    )
    html = response.content.decode()
    assert YIDDISH_TITLE in html
    assert 'lang="yi" dir="rtl"' in html
    assert "not available in your language" not in html


def test_article_falls_back_to_default_language_when_no_translation(client, article):
    response = client.get(reverse("help:article_by_id", args=[article.pk]), {"lang": "de"}, follow=True)
    html = response.content.decode()
    assert "How to change your password" in html
    assert 'lang="en" dir="ltr"' in html
    assert "not available in your language yet; it is shown in English" in html


def test_lang_parameter_beats_accept_language_and_is_remembered(client, article):
    first = client.get(reverse("help:home"), {"lang": "yi"}, HTTP_ACCEPT_LANGUAGE="en")
    assert first.cookies["kb_lang"].value == "yi"
    assert YIDDISH_TITLE in first.content.decode()
    again = client.get(reverse("help:home"), HTTP_ACCEPT_LANGUAGE="en")
    assert YIDDISH_TITLE in again.content.decode()


def test_unknown_language_codes_are_ignored(client, article):
    response = client.get(reverse("help:home"), {"lang": "<script>"}, HTTP_ACCEPT_LANGUAGE="xx-YY, zz")
    assert response.status_code == 200
    assert "kb_lang" not in response.cookies
    assert "How to change your password" in response.content.decode()


def test_slug_is_unique_per_language_only(article):
    other = kb_article(title="How to change your password")
    assert other.translations.get(language="en").slug == "how-to-change-your-password-2"
    same_slug = translation_save(
        article=other, language="de", title="How to change your password", body_markdown="x", by=None
    )
    assert same_slug.slug == "how-to-change-your-password"


def test_translation_in_other_language_url_redirects_to_visitor_language_slug(client, article):
    english = article.translations.get(language="en")
    response = client.get(reverse("help:article", args=[article.pk, english.slug]), {"lang": "yi"})
    assert response.status_code == 302
    assert response.url.startswith(
        reverse("help:article", args=[article.pk, article.translations.get(language="yi").slug])
    )


def test_help_pages_vary_on_accept_language(client, article):
    response = client.get(reverse("help:home"))
    assert "Accept-Language" in response["Vary"]
