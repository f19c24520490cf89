"""manage.py ingest_email --workers N shares a Maildir out by sender among processes: every reply
still threads to its ticket; and each message is stored once even when two commands ingest the
same Maildir at the same moment."""

import mailbox
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tickets.models import Message, RawEmail, Ticket

ROOT = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.django_db(transaction=True)
SENDERS, PER_SENDER = 8, 4


def _maildir(tmp_path):
    """Each sender opens a ticket and answers it three times, the senders' mail interleaved."""
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    for k in range(PER_SENDER):
        for s in range(SENDERS):
            thread = f"In-Reply-To: <w-{s}-{k - 1}@customer.example>\r\n" if k else ""
            box.add(
                f"From: Sender {s} <sender{s}@customer.example>\r\nTo: support@helpdesk.localhost\r\n"
                f"Subject: {'Re: ' if k else ''}Question {s}\r\nMessage-ID: <w-{s}-{k}@customer.example>\r\n"
                f"{thread}\r\nPart {k} from sender {s}.\r\n".encode()
            )
    return tmp_path / "Maildir"


def _assert_ingested_once():
    assert Ticket.objects.count() == SENDERS
    assert RawEmail.objects.count() == SENDERS * PER_SENDER
    for ticket in Ticket.objects.all():
        assert ticket.messages.filter(sender=Message.Sender.CUSTOMER).count() == PER_SENDER


def test_workers_keep_each_senders_replies_on_their_ticket(tmp_path):
    output = _run(_command(str(_maildir(tmp_path)), "--workers", "2", "--batch", "3", media=tmp_path))
    assert f"Ingested {SENDERS * PER_SENDER} emails" in output
    assert "opened a ticket: 8, added to a ticket: 24" in output
    _assert_ingested_once()


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{db['USER'] or 'postgres'}@{host}/{db['NAME']}"


def _run(process: subprocess.Popen) -> str:
    output = process.communicate(timeout=120)[0].decode()
    assert process.returncode == 0, output
    return output


def _command(path: str, *options: str, media) -> subprocess.Popen:
    """`manage.py ingest_email` in its own interpreter against this test's database. (The command
    forks its --workers; a fork of the test process could inherit a lock held by another thread of
    the suite, such as a browser test's, and hang.)"""
    env = {**os.environ, "DATABASE_URL": _database_url(), "DEBUG": "1", "MEDIA_ROOT": str(media / "media")}
    argv = [sys.executable, "manage.py", "ingest_email", path, *(options or ("--batch", "5"))]
    return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def test_two_commands_at_once_store_each_message_once(postgres, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    path = str(_maildir(tmp_path))
    runs = [_command(path, media=tmp_path) for _ in range(2)]
    for run in runs:
        _run(run)
    # Each message once, whichever command stored it (replies may race their originals between
    # the two commands, so the number of tickets is not fixed).
    assert RawEmail.objects.count() == SENDERS * PER_SENDER
    assert Message.objects.filter(sender=Message.Sender.CUSTOMER).count() == SENDERS * PER_SENDER
    assert Message.objects.values("external_message_id").distinct().count() == SENDERS * PER_SENDER
