"""Related articles: public ones sharing the most keywords, then the section's most popular."""

import random

import pytest

from kb.models import Article
from kb.selectors import related_articles
from kb.services import translation_save
from tests.factories import KbSectionFactory, kb_article

pytestmark = pytest.mark.django_db

KEYWORDS = ["billing", "card", "login", "password", "export", "phone"]


def _reference(article: Article, language: str, limit: int = 5) -> list[tuple[int, str, str]]:
    """Brute force over every article: (id, shown language, slug) of the related ones, best first."""
    keywords = set(article.keywords.values_list("pk", flat=True))
    candidates = []
    for other in Article.objects.prefetch_related("keywords", "translations"):
        shared = len(keywords & {k.pk for k in other.keywords.all()})
        if other.pk == article.pk or not other.is_public:
            continue
        if shared or other.section_id == article.section_id:
            candidates.append(((-shared, -other.popularity, -other.pk), other))
    shown = []
    for _, other in sorted(candidates, key=lambda c: c[0])[:limit]:
        translations = {t.language: t for t in other.translations.all()}
        translation = translations.get(language) or translations.get("en")
        if translation:
            shown.append((other.pk, translation.language, translation.slug))
    return shown


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_related_articles_match_brute_force(seed):
    rng = random.Random(seed)
    sections = [KbSectionFactory() for _ in range(3)]
    articles = []
    for i in range(30):
        article = kb_article(
            section=rng.choice(sections),
            title=f"Article {i}",
            state=rng.choice(["published"] * 4 + ["draft", "archived"]),
            is_internal=rng.random() < 0.15,
            keywords=rng.sample(KEYWORDS, rng.randint(0, 3)),
        )
        Article.objects.filter(pk=article.pk).update(popularity=rng.choice([0, 0, 3, 7, 20]))
        if rng.random() < 0.3:
            translation_save(article=article, language="yi", title=f"אַרטיקל {i}", body_markdown="x", by=None)
        articles.append(Article.objects.get(pk=article.pk))
    for article in articles:
        for language in ("en", "yi"):
            found = related_articles(article=article, language=language)
            assert [(a.pk, a.display.language, a.display.slug) for a in found] == _reference(
                article, language
            ), (article.pk, language)


def test_related_articles_fill_from_the_section_when_few_share_keywords():
    section = KbSectionFactory()
    article = kb_article(section=section, title="Main", keywords=["rare"])
    sharing = kb_article(section=KbSectionFactory(), title="Sharing", keywords=["rare"])
    neighbour = kb_article(section=section, title="Neighbour")
    kb_article(section=section, title="Draft neighbour", state="draft")
    kb_article(section=section, title="Internal neighbour", is_internal=True)
    found = related_articles(article=article, language="en")
    assert [a.pk for a in found] == [sharing.pk, neighbour.pk]
