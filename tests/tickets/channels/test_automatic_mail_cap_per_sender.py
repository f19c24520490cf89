"""Automatic mail is recorded, never answered, and at most INBOUND_AUTOMATIC_PER_HOUR of a sender's
land on tickets each hour; the rest are kept only as raw emails."""

from tickets.channels.email.ingest import email_receive
from tickets.models import Message, RawEmail

from .conftest import corpus_bytes


def test_automatic_mail_beyond_the_hourly_cap_stays_off_the_ticket(ingest, settings):
    settings.INBOUND_AUTOMATIC_PER_HOUR = 3
    settings.EMAIL_ACKNOWLEDGE_NEW_TICKETS = True
    ticket = ingest("plain.eml").ticket
    for n in range(6):
        raw = corpus_bytes("auto_reply.eml").replace(b"<ooo-1@", f"<ooo-{n}@".encode())
        stored = email_receive(raw=raw, source=RawEmail.Source.FILE)
        assert stored.state == RawEmail.State.IGNORED and stored.is_automatic
    notes = Message.objects.filter(ticket=ticket, kind=Message.Kind.SYSTEM, external_message_id="")
    assert notes.count() == 3
    assert RawEmail.objects.filter(is_automatic=True).count() == 6
    assert ticket.messages.filter(sender=Message.Sender.CUSTOMER).count() == 1  # never a customer reply
