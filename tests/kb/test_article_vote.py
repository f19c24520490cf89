import pytest
from django.test import Client
from django.urls import reverse

from kb.models import Article, ArticleVote
from tests.factories import kb_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def article():
    return kb_article()


def vote(client, article, helpful="yes", **extra):
    return client.post(reverse("help:vote", args=[article.pk]), {"helpful": helpful}, **extra)


def test_vote_counts_once_per_visitor(client, article):
    assert vote(client, article).status_code == 302
    assert vote(client, article, "no").status_code == 302
    assert list(ArticleVote.objects.values_list("helpful", flat=True)) == [True]


def test_vote_by_htmx_returns_thanks_partial(client, article):
    response = vote(client, article, HTTP_HX_REQUEST="true")
    assert "Thank you" in response.content.decode()
    again = vote(client, article, HTTP_HX_REQUEST="true")
    assert "already voted" in again.content.decode()


def test_article_page_remembers_the_visitor_voted(client, article):
    vote(client, article)
    html = client.get(reverse("help:article_by_id", args=[article.pk]), follow=True).content.decode()
    assert "Was this article helpful?" not in html
    assert "Thank you for your feedback" in html


def test_forged_visitor_cookie_is_a_new_visitor(client, article):
    vote(client, article)
    client.cookies["kb_visitor"] = "0" * 32  # unsigned: not trusted
    vote(client, article, "no")
    assert ArticleVote.objects.count() == 2
    assert ArticleVote.objects.values("visitor").distinct().count() == 2


def test_vote_without_csrf_token_is_refused(article):
    client = Client(enforce_csrf_checks=True)
    assert vote(client, article).status_code == 403
    assert not ArticleVote.objects.exists()


def test_ballot_stuffing_from_one_ip_is_rate_limited(article, settings):
    settings.KB_VOTES_PER_IP_PER_HOUR = 3
    statuses = [vote(Client(), article).status_code for _ in range(5)]  # fresh cookies each time
    assert statuses == [302, 302, 302, 429, 429]
    assert ArticleVote.objects.count() == 3
    other_ip = vote(Client(), article, REMOTE_ADDR="10.0.0.9")
    assert other_ip.status_code == 302


def test_vote_needs_a_yes_or_no(client, article):
    assert vote(client, article, "maybe").status_code == 400
    assert not ArticleVote.objects.exists()


def test_vote_on_draft_is_404(client):
    draft = kb_article(state=Article.State.DRAFT)
    assert vote(client, draft).status_code == 404


def test_vote_only_by_post(client, article):
    assert client.get(reverse("help:vote", args=[article.pk])).status_code == 405
