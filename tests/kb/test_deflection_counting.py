import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kb.insights import kb_deflection_rate
from kb.models import DeflectionSession
from kb.services import deflection_ticket_submitted
from tests.factories import kb_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def article():
    return kb_article(title="Refund for a double charge", body="We refund duplicate payments within 5 days.")


def today_rate():
    today = timezone.localdate()
    return kb_deflection_rate(date_from=today, date_to=today)


def type_subject(client, text="double charge"):
    return client.get(reverse("help:suggest"), {"q": text}, HTTP_HX_REQUEST="true")


def open_suggestion(client, response):
    href = response.content.decode().split('href="')[1].split('"')[0].replace("&amp;", "&")
    assert href.endswith("?from=suggest")
    return client.get(href)


def test_suggest_returns_matching_articles_and_records_shown(client, article):
    response = type_subject(client)
    assert "Refund for a double charge" in response.content.decode()
    session = DeflectionSession.objects.get(session_key=client.session.session_key)
    assert session.suggestions_shown == 1 and session.articles_opened == 0


def test_suggest_with_short_or_unmatched_text_records_nothing(client, article):
    assert type_subject(client, "do").content.decode().strip() == ""
    assert type_subject(client, "zebra crossing").content.decode().strip() == ""
    assert not DeflectionSession.objects.exists()


def test_opened_article_without_ticket_counts_as_deflected(client, article):
    open_suggestion(client, type_subject(client))
    rate = today_rate()
    assert (rate.sessions, rate.opened, rate.deflected, rate.submitted) == (1, 1, 1, 0)
    assert rate.rate == 1.0


def test_opened_article_then_ticket_submitted_is_not_deflected(client, article):
    open_suggestion(client, type_subject(client))
    assert deflection_ticket_submitted(session_key=client.session.session_key) is True
    rate = today_rate()
    assert (rate.sessions, rate.deflected, rate.submitted) == (1, 0, 1)


def test_shown_but_not_opened_is_not_deflected(client, article):
    type_subject(client)
    deflection_ticket_submitted(session_key=client.session.session_key)
    rate = today_rate()
    assert (rate.sessions, rate.opened, rate.deflected) == (1, 0, 0)
    assert rate.rate == 0.0


def test_ticket_submitted_for_session_without_suggestions_is_ignored(client):
    assert deflection_ticket_submitted(session_key="never-shown") is False
    assert deflection_ticket_submitted(session_key="") is False
    assert not DeflectionSession.objects.exists()


def test_ticket_submitted_twice_keeps_the_first(client, article):
    type_subject(client)
    key = client.session.session_key
    deflection_ticket_submitted(session_key=key)
    first = DeflectionSession.objects.get().ticket_submitted_at
    assert deflection_ticket_submitted(session_key=key) is True
    assert DeflectionSession.objects.get().ticket_submitted_at == first


def test_opening_an_article_without_suggestion_flag_is_not_counted(client, article):
    type_subject(client)
    client.get(reverse("help:article_by_id", args=[article.pk]), follow=True)
    assert DeflectionSession.objects.get().articles_opened == 0


def test_deflection_rate_counts_sessions_by_the_day_first_shown(client, article):
    type_subject(client)
    DeflectionSession.objects.update(first_shown_at=timezone.now() - dt.timedelta(days=3))
    assert today_rate().sessions == 0
    assert today_rate().rate is None
