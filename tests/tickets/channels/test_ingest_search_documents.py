"""Email ingested through the batch path is searchable at once: the batch keeps each ticket's
search document (PostgreSQL full-text search) up to date, replies included."""

import mailbox
from io import StringIO

import pytest
from django.core.management import call_command

from tickets.models import Ticket
from tickets.search import ticket_search

pytestmark = pytest.mark.django_db


def test_batch_ingested_tickets_and_threaded_replies_are_found_by_full_text(postgres, tmp_path):
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    box.add(
        b"From: Ada <ada@customer.example>\r\nTo: support@helpdesk.localhost\r\n"
        b"Subject: Kettle broken\r\nMessage-ID: <s-1@customer.example>\r\n\r\n"
        b"The thermostat of my kettle failed.\r\n"
    )
    box.add(
        b"From: Ada <ada@customer.example>\r\nTo: support@helpdesk.localhost\r\n"
        b"Subject: Re: Kettle broken\r\nMessage-ID: <s-2@customer.example>\r\n"
        b"In-Reply-To: <s-1@customer.example>\r\n\r\nAlso the lid hinge snapped.\r\n"
    )
    call_command("ingest_email", str(tmp_path / "Maildir"), "--batch", "5", stdout=StringIO())
    ticket = Ticket.objects.get()
    for word in ("kettle", "thermostat", "hinge"):
        assert list(ticket_search(Ticket.objects.all(), word).values_list("pk", flat=True)) == [ticket.pk]
