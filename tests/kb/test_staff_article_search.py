import pytest
from django.urls import reverse

from tests.factories import kb_article

pytestmark = pytest.mark.django_db


def test_composer_search_offers_link_and_text_for_public_articles(client, agent, settings):
    article = kb_article(title="Track your parcel", body="Open **Orders**.")
    client.force_login(agent)
    html = client.get(reverse("kb:search"), {"q": "parcel"}).content.decode()
    url = f"{settings.SITE_URL}/help/articles/{article.pk}-track-your-parcel/"
    assert f'data-kb-url="{url}"' in html
    assert 'data-kb-insert="link"' in html
    assert 'data-kb-text="Open **Orders**."' in html


def test_composer_search_offers_only_text_for_internal_articles(client, agent):
    kb_article(title="Parcel escalation", body="Call the depot.", is_internal=True)
    kb_article(title="Parcel draft", body="Not yet.", state="draft")
    client.force_login(agent)
    html = client.get(reverse("kb:search"), {"q": "parcel"}).content.decode()
    assert "Parcel escalation" in html and "Parcel draft" not in html
    assert 'data-kb-insert="link"' not in html
    assert 'data-kb-insert="text"' in html


def test_composer_search_without_match_says_so(client, agent):
    client.force_login(agent)
    assert "No published article matches" in client.get(reverse("kb:search"), {"q": "zebra"}).content.decode()


def test_composer_search_is_staff_only(client, customer_user):
    assert client.get(reverse("kb:search"), {"q": "x"}).status_code == 302
    client.force_login(customer_user)
    assert client.get(reverse("kb:search"), {"q": "x"}).status_code == 403
