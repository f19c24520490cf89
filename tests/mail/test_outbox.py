from datetime import timedelta
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.utils import timezone

from mail.models import OutboundEmail
from mail.services import email_deliver, email_queue, emails_due_for_sweep
from mail.tasks import outbox_sweep

pytestmark = pytest.mark.django_db


def test_email_queue_sends_after_commit(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        email = email_queue(to=["a@example.test"], subject="Hi", body_text="Body", body_html="<p>Body</p>")
    email.refresh_from_db()
    assert email.state == OutboundEmail.State.SENT
    assert mailoutbox[0].extra_headers["Message-ID"] == email.message_id
    assert mailoutbox[0].alternatives[0][1] == "text/html"


def test_email_deliver_twice_sends_once(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        email = email_queue(to=["a@example.test"], subject="Hi", body_text="Body")
    email_deliver(email=email)
    assert len(mailoutbox) == 1


def test_email_subject_cannot_inject_headers(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        email_queue(to=["a@example.test"], subject="Hi\r\nBcc: evil@example.test", body_text="x")
    assert "\n" not in mailoutbox[0].subject
    assert mailoutbox[0].bcc == []


def test_failed_send_stays_queued_for_retry(mailoutbox, django_capture_on_commit_callbacks):
    send = mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=OSError("smtp down"))
    with send, pytest.raises(Retry), django_capture_on_commit_callbacks(execute=True):
        email_queue(to=["a@example.test"], subject="Hi", body_text="x")
    email = OutboundEmail.objects.get()
    assert email.state == OutboundEmail.State.QUEUED
    assert "smtp down" in email.last_error


def test_sweep_sends_emails_whose_nudge_was_lost(mailoutbox):
    email = OutboundEmail.objects.create(
        to=["a@example.test"], subject="Lost", body_text="x", message_id="<lost@x>"
    )
    OutboundEmail.objects.filter(pk=email.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    assert emails_due_for_sweep() == [email.pk]
    assert outbox_sweep() == 1
    email.refresh_from_db()
    assert email.state == OutboundEmail.State.SENT
    assert len(mailoutbox) == 1
