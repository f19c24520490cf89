"""The help center's lists written in Python give the HTML the template loops gave."""

from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils.text import Truncator

from kb.templatetags.help_center import article_items, search_result_items, snippet

# The template loops these tags replaced, verbatim.
OLD_ITEMS = Template(
    '{% for article in articles %}<li class="list-group-item"><a href="{% url \'help:article\' article.pk '
    'article.display.slug %}" lang="{{ article.display.language }}" dir="auto">{{ article.display.title }}'
    "</a></li>{% endfor %}"
)
OLD_RESULTS = Template(
    """  {% for article in results %}
  <li class="mb-3" lang="{{ article.display.language }}" dir="auto">
    <a class="fs-5" href="{% url 'help:article' article.pk article.display.slug %}">\
{{ article.display.title }}</a>
    <div class="small text-muted">{{ article.section.category.name }} \u203a {{ article.section.name }}</div>
    <p class="mb-0 small" dir="auto">{{ article.display.body_text|truncatechars:220 }}</p>
  </li>
  {% empty %}
  <li><p>Nothing matched.</p></li>
  {% endfor %}"""
)
NEW_RESULTS = Template(
    """  {% load help_center %}{% if results %}{% search_result_items results %}{% else %}
  <li><p>Nothing matched.</p></li>
  {% endif %}"""
)

SAMPLES = [
    # pk, language, title, slug, body text
    (1, "en", "How to change your password", "how-to-change-your-password", "Open Settings. " * 30),
    (22, "en", "<script>alert('x')</script> & \"q\"", "script-alert-x-q", "a < b & c > d 'e' \"f\""),
    (333, "he", "איך משנים סיסמה?", "איך-משנים-סיסמה", "פתחו את ההגדרות ובחרו " * 20),
    (4444, "yi", "ווי אַזוי צו טוישן דעם פּאַראָל", "ווי-אַזוי-צו-טוישן", "עפֿנט די איינשטעלונגען"),  # noqa: RUF001
    (5, "de", "Größe & Maße", "größe-maße", "e\u0301" * 300),  # combining accents count as nothing
    (6, "en", "Odd slug", "a&b'c(d)%e?f#g h~i:j@k", "x" * 220),
    (7, "en", "Exactly long", "exactly-long", "y" * 221),
    (8, "en", "", "empty", ""),
]


SECTION = "Cards \u2039RTL\u203a עברית"


def _article(pk, language, title, slug, body, *, category="Billing & <Payments>", section=SECTION):
    return SimpleNamespace(
        pk=pk,
        display=SimpleNamespace(language=language, title=title, slug=slug, body_text=body),
        section=SimpleNamespace(name=section, category=SimpleNamespace(name=category)),
    )


@pytest.fixture
def articles():
    return [_article(*sample) for sample in SAMPLES]


def test_article_items_same_html_as_template_loop(articles):
    assert article_items(articles) == OLD_ITEMS.render(Context({"articles": articles}))


def test_article_items_empty_list():
    assert article_items([]) == ""


@pytest.mark.parametrize("count", [0, 1, len(SAMPLES)])
def test_search_results_same_html_as_template_loop(articles, count):
    context = {"results": articles[:count]}
    assert NEW_RESULTS.render(Context(context)) == OLD_RESULTS.render(Context(context))


def test_search_result_snippet_is_truncated_and_escaped():
    html = search_result_items([_article(9, "en", "T", "t", "<b>" + "z" * 300)])
    assert "&lt;b&gt;" in html
    assert "z…</p>" in html


@pytest.mark.parametrize("length", [0, 1, 218, 219, 220, 221, 222, 500])
@pytest.mark.parametrize("letter", ["a", " ", "&", "é", "e\u0301", "ש"])
def test_snippet_is_truncatechars(length, letter):
    text = (letter * length)[:length] if len(letter) == 1 else letter * (length // 2)
    assert snippet(text) == Truncator(text).chars(220)
    assert snippet("x" * length + letter) == Truncator("x" * length + letter).chars(220)
