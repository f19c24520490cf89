import pytest
from django.urls import reverse

from kb.markdown import render_markdown
from tests.factories import kb_article

pytestmark = pytest.mark.django_db

HOSTILE = """# Title

<script>alert("x")</script>

[click](javascript:alert(1)) <a href="javascript:alert(2)" onclick="steal()">there</a>

<img src="https://example.test/a.png" onerror="alert(3)"> <iframe src="https://evil.test"></iframe>

**bold** and [fine](https://example.test/page)
"""


def test_markdown_script_and_handlers_are_inert():
    html = render_markdown(HOSTILE)
    assert "<script" not in html
    assert "onerror" not in html and "onclick" not in html
    assert "<iframe" not in html
    assert "javascript:" not in html.replace("[click](javascript:alert(1))", "")
    assert 'href="javascript' not in html
    assert "<strong>bold</strong>" in html
    assert '<a href="https://example.test/page" rel="noopener noreferrer nofollow">fine</a>' in html


def test_article_page_serves_sanitized_html(client):
    article = kb_article(title="Hostile", body=HOSTILE)
    html = client.get(reverse("help:article_by_id", args=[article.pk]), follow=True).content.decode()
    assert "<script>alert" not in html
    assert 'href="javascript' not in html
    assert "onerror=" not in html


def test_preview_endpoint_sanitizes(client, agent):
    client.force_login(agent)
    response = client.post(reverse("kb:preview"), {"body_markdown": HOSTILE, "language": "en"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert" not in html and 'href="javascript' not in html
    assert "<h1>Title</h1>" in html


def test_preview_is_staff_only(client, customer_user):
    assert client.post(reverse("kb:preview"), {"body_markdown": "x"}).status_code == 302
    client.force_login(customer_user)
    assert client.post(reverse("kb:preview"), {"body_markdown": "x"}).status_code == 403
