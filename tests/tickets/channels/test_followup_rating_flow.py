"""Solving an emailed ticket writes a FollowUp; the periodic task sends it when due (skipped if the
ticket was reopened) with a signed rating link; the public page records a 1-5 rating with a comment."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from tickets.channels.email.followup import rating_token
from tickets.models import FollowUp, Message, SatisfactionRating, Ticket
from tickets.services import ticket_customer_message, ticket_set_status
from tickets.tasks import followups_send


def _solved(ingest, agent):
    ticket = ingest("plain.eml").ticket
    ticket_set_status(ticket=ticket, status=Ticket.Status.SOLVED, by=agent)
    return ticket


def _make_due(ticket):
    FollowUp.objects.filter(ticket=ticket).update(due_at=timezone.now() - timedelta(minutes=1))


def test_solving_an_email_ticket_schedules_one_followup(ingest, agent, settings):
    settings.EMAIL_FOLLOWUP_DELAY_HOURS = 24
    ticket = _solved(ingest, agent)
    followup = FollowUp.objects.get(ticket=ticket)
    assert followup.state == FollowUp.State.PENDING
    assert timedelta(hours=23) < followup.due_at - timezone.now() <= timedelta(hours=24)
    assert followups_send() == 0  # not due yet


def test_due_followup_is_sent_with_a_rating_link(ingest, agent, django_capture_on_commit_callbacks):
    ticket = _solved(ingest, agent)
    _make_due(ticket)
    with django_capture_on_commit_callbacks(execute=True):
        assert followups_send() == 1
    assert FollowUp.objects.get(ticket=ticket).state == FollowUp.State.SENT
    sent = mail.outbox[-1]
    assert sent.extra_headers["Auto-Submitted"] == "auto-generated"
    link = re.search(r"http://\S+/rate/(\S+)/", sent.body)
    assert Client().get(f"/rate/{link[1]}/").status_code == 200
    assert Message.objects.get(ticket=ticket, kind=Message.Kind.SYSTEM).sender == Message.Sender.SYSTEM
    assert followups_send() == 0  # sent once


def test_followup_of_a_reopened_ticket_is_skipped(ingest, agent):
    ticket = _solved(ingest, agent)
    ticket_customer_message(ticket=ticket, body="It broke again.")
    _make_due(ticket)
    followups_send()
    assert FollowUp.objects.get(ticket=ticket).state == FollowUp.State.SKIPPED
    assert not Message.objects.filter(ticket=ticket, kind=Message.Kind.SYSTEM).exists()


def test_followup_off_with_a_negative_delay(ingest, agent, settings):
    settings.EMAIL_FOLLOWUP_DELAY_HOURS = -1
    _solved(ingest, agent)
    assert not FollowUp.objects.exists()


def test_rating_page_preselects_the_score_and_records_nothing_on_open(client, ingest, agent):
    ticket = _solved(ingest, agent)
    response = client.get(f"/rate/{rating_token(ticket)}/", {"score": "4"})
    assert response.status_code == 200
    checked = re.findall(r'<input[^>]*value="(\d)"[^>]*checked', response.content.decode())
    assert checked == ["4"]
    assert not SatisfactionRating.objects.exists()


def test_rating_post_records_and_a_new_rating_replaces_the_old(ingest, agent):
    ticket = _solved(ingest, agent)
    client = Client(enforce_csrf_checks=True)
    url = f"/rate/{rating_token(ticket)}/"
    page = client.get(url)
    token = page.cookies["csrftoken"].value
    response = client.post(url, {"score": "2", "comment": "Slow", "csrfmiddlewaretoken": token})
    assert response.status_code == 200 and b"Thank you for your rating" in response.content
    client.post(url, {"score": "5", "comment": "Fixed now", "csrfmiddlewaretoken": token})
    ticket.refresh_from_db()
    assert (ticket.rating.score, ticket.rating.comment) == (5, "Fixed now")


def test_rating_post_without_csrf_is_refused(ingest, agent):
    ticket = _solved(ingest, agent)
    response = Client(enforce_csrf_checks=True).post(f"/rate/{rating_token(ticket)}/", {"score": "3"})
    assert response.status_code == 403


@pytest.mark.parametrize("score", ["0", "6", "x", ""])
def test_rating_post_with_a_bad_score_is_a_form_error(client, ingest, agent, score):
    ticket = _solved(ingest, agent)
    response = client.post(f"/rate/{rating_token(ticket)}/", {"score": score})
    assert response.status_code == 400
    ticket.refresh_from_db()
    assert not hasattr(ticket, "rating")


@pytest.mark.parametrize("token", ["forged", "MQ:1abc:xyz"])
def test_rating_with_an_invalid_link_is_not_found(client, db, token):
    response = client.get(f"/rate/{token}/")
    assert response.status_code == 404
    assert b"This rating link is not valid" in response.content
