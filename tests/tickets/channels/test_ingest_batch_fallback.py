"""A batch never loses mail: if writing it fails unexpectedly its emails are processed one by one,
and an email whose parsing breaks unexpectedly is quarantined while the others go through."""

from unittest import mock

from tickets.channels.email import batch
from tickets.channels.email.batch import emails_receive
from tickets.models import RawEmail, Ticket

from .conftest import corpus_bytes


def _raws() -> list[bytes]:
    return [
        corpus_bytes("plain.eml"),
        corpus_bytes("reply_in_reply_to.eml"),
        corpus_bytes("attachment.eml"),
        corpus_bytes("no_sender.eml"),
    ]


def test_failed_batch_write_falls_back_to_one_by_one(ingest):
    with mock.patch.object(batch.TicketBatch, "commit", side_effect=RuntimeError("disk full")):
        rows = emails_receive(raws=_raws(), source=RawEmail.Source.FILE)
    assert [row.state for row in rows] == ["created", "threaded", "created", "quarantined"]
    assert Ticket.objects.count() == 2
    assert RawEmail.objects.filter(state=RawEmail.State.RECEIVED).count() == 0


def test_unexpected_parse_error_quarantines_only_that_email(ingest):
    real = batch.parse_within_limits

    def parse(raw):
        if b"Invoice attached" in bytes(raw.raw):
            raise RuntimeError("decoder bug")
        return real(raw)

    with mock.patch.object(batch, "parse_within_limits", parse):
        rows = emails_receive(raws=_raws(), source=RawEmail.Source.FILE)
    assert [row.state for row in rows] == ["created", "threaded", "quarantined", "quarantined"]
    held = RawEmail.objects.get(subject="Invoice attached")
    assert held.reason == "Unexpected error: RuntimeError: decoder bug" and bytes(held.raw)
