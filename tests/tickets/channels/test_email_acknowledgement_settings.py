"""A new emailed ticket is acknowledged when the setting is on: a system message and an
auto-generated email in the customer's language, threaded, capped per address per hour; automatic
mail and replies are never acknowledged."""

import pytest
from django.core import mail

from tickets.channels.email.ingest import email_receive
from tickets.models import Message, RawEmail

from .conftest import corpus_bytes


@pytest.fixture
def acknowledging(settings):
    settings.EMAIL_ACKNOWLEDGE_NEW_TICKETS = True
    settings.INBOUND_AUTOMATIC_PER_HOUR = 2


def test_new_ticket_is_acknowledged_by_email(ingest, acknowledging, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        raw = ingest("plain.eml")
    ack = Message.objects.get(ticket=raw.ticket, kind=Message.Kind.SYSTEM)
    assert ack.sender == Message.Sender.SYSTEM and raw.ticket.reference in ack.body_text
    sent = mail.outbox[-1]
    assert sent.to == ["alice@customer.example"]
    assert sent.extra_headers["Auto-Submitted"] == "auto-generated"
    assert sent.extra_headers["In-Reply-To"] == "<plain-1@customer.example>"
    assert sent.subject == f"[{raw.ticket.reference}] We received your request"
    assert ack.external_message_id == sent.extra_headers["Message-ID"]


def test_acknowledgement_uses_the_content_language(ingest, acknowledging):
    raw_bytes = corpus_bytes("plain.eml").replace(b"Date:", b"Content-Language: zh-CN\r\nDate:")
    raw = email_receive(raw=raw_bytes, source=RawEmail.Source.FILE)
    ack = Message.objects.get(ticket=raw.ticket, kind=Message.Kind.SYSTEM)
    assert "感谢您的来信" in ack.body_text


def test_acknowledgement_off_by_default(ingest):
    raw = ingest("plain.eml")
    assert not Message.objects.filter(ticket=raw.ticket, kind=Message.Kind.SYSTEM).exists()


def test_automatic_mail_and_replies_are_not_acknowledged(ingest, acknowledging):
    ingest("plain.eml")
    ingest("reply_in_reply_to.eml")
    ingest("list.eml")
    ingest("auto_reply.eml")
    assert Message.objects.filter(kind=Message.Kind.SYSTEM).exclude(external_message_id="").count() == 1


def test_acknowledgements_are_capped_per_address_per_hour(ingest, acknowledging):
    for n in range(4):
        raw = corpus_bytes("plain.eml").replace(b"<plain-1@", f"<cap-{n}@".encode())
        email_receive(raw=raw, source=RawEmail.Source.FILE)
    assert Message.objects.filter(kind=Message.Kind.SYSTEM).exclude(external_message_id="").count() == 2
