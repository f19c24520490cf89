"""manage.py ingest_email reads .eml files, mbox files and Maildir folders into the one service."""

import mailbox
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tickets.channels.email.sources import raw_messages
from tickets.models import RawEmail, Ticket

from .conftest import CORPUS, corpus_bytes


def _message(n: int) -> bytes:
    return (
        f"From: sender{n}@customer.example\r\nTo: support@helpdesk.localhost\r\n"
        f"Subject: Question {n}\r\nMessage-ID: <cmd-{n}@customer.example>\r\n\r\nBody {n}\r\n"
    ).encode()


def test_ingest_email_command_reads_maildir_mbox_and_eml(ingest, tmp_path):
    maildir = mailbox.Maildir(tmp_path / "Maildir", create=True)
    for n in range(12):
        maildir.add(_message(n))
    mbox = mailbox.mbox(tmp_path / "archive.mbox", create=True)
    for n in range(12, 15):
        mbox.add(_message(n))
    mbox.flush()
    out = StringIO()
    call_command(
        "ingest_email",
        str(tmp_path / "Maildir"),
        str(tmp_path / "archive.mbox"),
        str(CORPUS / "plain.eml"),
        stdout=out,
    )
    assert "Ingested 16 emails" in out.getvalue()
    assert Ticket.objects.count() == 16
    assert set(RawEmail.objects.values_list("source", flat=True)) == {RawEmail.Source.FILE}


def test_ingest_email_command_twice_creates_nothing_new(ingest, tmp_path):
    folder = tmp_path / "eml"
    folder.mkdir()
    (folder / "a.eml").write_bytes(corpus_bytes("plain.eml"))
    (folder / "b.eml").write_bytes(corpus_bytes("attachment.eml"))
    call_command("ingest_email", str(folder), stdout=StringIO())
    call_command("ingest_email", str(folder), stdout=StringIO())
    assert Ticket.objects.count() == 2
    assert RawEmail.objects.count() == 2


def test_ingest_email_command_missing_path_is_an_error(db, tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        call_command("ingest_email", str(tmp_path / "nowhere"), stdout=StringIO())


def test_maildir_is_read_in_delivery_order_not_name_order(tmp_path):
    """Maildir names carry microseconds without zero padding: M99 was delivered before M100."""
    for sub in ("cur", "new", "tmp"):
        (tmp_path / sub).mkdir()
    for name, n in (("1700000001.M5P1.host", 3), ("1700000000.M100P1.host", 2), ("1700000000.M99P1.host", 1)):
        (tmp_path / "new" / name).write_bytes(_message(n))
    assert [raw.split(b"Subject: ")[1][:10] for raw in raw_messages(tmp_path)] == [
        b"Question 1",
        b"Question 2",
        b"Question 3",
    ]
