"""Many emails queued at once: one insert, one nudge after commit, each sent; one that fails is
handed to the single send task, which retries it alone."""

from unittest import mock

import pytest
from django.core.mail import EmailMultiAlternatives

from mail import tasks
from mail.models import OutboundEmail
from mail.services import EmailDraft, email_queue_bulk

pytestmark = pytest.mark.django_db


def _emails(n: int) -> list[EmailDraft]:
    return [
        EmailDraft(to=[f"c{i}@example.test"], subject=f"Hi {i}", body_text="x", auto_generated=True)
        for i in range(n)
    ]


def test_email_queue_bulk_sends_all_after_one_nudge(mailoutbox, django_capture_on_commit_callbacks):
    nudge = mock.patch.object(tasks.emails_send, "delay", wraps=tasks.emails_send.delay)
    with nudge as nudged, django_capture_on_commit_callbacks(execute=True):
        rows = email_queue_bulk(drafts=_emails(3))
    assert nudged.call_count == 1
    assert sorted(m.to[0] for m in mailoutbox) == ["c0@example.test", "c1@example.test", "c2@example.test"]
    assert all(m.extra_headers["Auto-Submitted"] == "auto-generated" for m in mailoutbox)
    assert set(OutboundEmail.objects.values_list("state", flat=True)) == {OutboundEmail.State.SENT}
    assert {m.extra_headers["Message-ID"] for m in mailoutbox} == {r.message_id for r in rows}


def test_emails_send_hands_a_failing_email_to_the_retrying_task(
    mailoutbox, django_capture_on_commit_callbacks
):
    real_send = EmailMultiAlternatives.send

    def send(message, *args, **kwargs):
        if message.to == ["c1@example.test"]:
            raise OSError("smtp down")
        return real_send(message, *args, **kwargs)

    with (
        mock.patch("django.core.mail.EmailMultiAlternatives.send", send),
        mock.patch("mail.tasks.email_send.apply_async") as retry,
        django_capture_on_commit_callbacks(execute=True),
    ):
        rows = email_queue_bulk(drafts=_emails(3))
    assert [m.to[0] for m in mailoutbox] == ["c0@example.test", "c2@example.test"]
    retry.assert_called_once_with((rows[1].pk,), countdown=30)
    assert OutboundEmail.objects.get(pk=rows[1].pk).state == OutboundEmail.State.QUEUED
