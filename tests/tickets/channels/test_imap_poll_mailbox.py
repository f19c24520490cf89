"""The IMAP poll task ingests unseen mail and marks it seen (against a local stub IMAP server)."""

import pytest

from tickets.channels.email.imap import imap_config, imap_poll_mailbox
from tickets.models import RawEmail, Ticket
from tickets.tasks import imap_poll

from .conftest import corpus_bytes
from .imap_stub import Mailbox, StubImapServer


@pytest.fixture
def imap_server():
    server = StubImapServer(Mailbox([corpus_bytes("plain.eml"), corpus_bytes("attachment.eml")]))
    yield server
    server.shutdown()
    server.server_close()


def test_imap_poll_ingests_unseen_mail_once(ingest, settings, imap_server):
    settings.IMAP_URL = f"{imap_server.url_base}/INBOX"
    assert imap_poll() == 2
    assert imap_server.mailbox.seen == {1, 2}
    assert imap_poll() == 0
    assert Ticket.objects.count() == 2
    assert set(RawEmail.objects.values_list("source", flat=True)) == {RawEmail.Source.IMAP}


def test_imap_poll_is_off_when_unset(db, settings):
    settings.IMAP_URL = ""
    assert imap_poll() == 0


def test_imap_poll_wrong_password_logs_and_returns_nothing(ingest, imap_server, caplog):
    url = imap_server.url_base.replace(":pw@", ":wrong@")
    assert imap_poll_mailbox(url) == 0
    assert "IMAP poll" in caplog.text
    assert not RawEmail.objects.exists()


def test_imap_config_reads_the_url():
    config = imap_config("imaps://me%40example.com:p%2Fw@mail.example.com/Support")
    assert (config.user, config.password, config.port, config.folder, config.ssl) == (
        "me@example.com",
        "p/w",
        993,
        "Support",
        True,
    )
    assert imap_config("ftp://x") is None
