"""A batch of emails costs a fixed number of queries, whatever its size: every look-up is one query
for the whole batch and every write one statement per table."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import TicketFactory
from tickets.channels.email.batch import emails_receive
from tickets.models import RawEmail, Ticket

BATCH_QUERIES = 37  # savepoints included


def _mix(n: int, offset: int, stored: list[Ticket]) -> list[bytes]:
    """n emails: new customers, known customers replying by reference, replies inside the batch,
    auto-replies."""
    raws = []
    for i in range(offset, offset + n):
        sender, subject, extra = f"c{i}@customer.example", f"Question {i}", ""
        if i % 4 == 1:
            sender, subject = f"c{i - 1}@customer.example", f"Re: Question {i - 1}"
            extra = f"In-Reply-To: <q-{i - 1}@customer.example>\r\n"
        elif i % 4 == 2:
            ticket = stored[i % len(stored)]
            sender, subject = ticket.requester_email, f"Re: [{ticket.reference}] {ticket.subject}"
        elif i % 8 == 3:
            extra = f"Auto-Submitted: auto-replied\r\nIn-Reply-To: <q-{i - 3}@customer.example>\r\n"
        raws.append(
            f"From: {sender}\r\nTo: support@helpdesk.localhost\r\nSubject: {subject}\r\n"
            f"Message-ID: <q-{i}@customer.example>\r\n{extra}\r\nHello {i}\r\n".encode()
        )
    return raws


def _queries(raws: list[bytes]) -> int:
    with CaptureQueriesContext(connection) as queries:
        rows = emails_receive(raws=raws, source=RawEmail.Source.FILE)
    assert {row.state for row in rows} == {
        RawEmail.State.CREATED,
        RawEmail.State.THREADED,
        RawEmail.State.IGNORED,
    }
    return len(queries)


def test_ingest_batch_queries_do_not_grow_with_the_batch(ingest, settings):
    settings.EMAIL_ACKNOWLEDGE_NEW_TICKETS = True
    stored = [TicketFactory(customer_email=f"known{k}@customer.example") for k in range(12)]
    small = _queries(_mix(10, 0, stored))
    large = _queries(_mix(40, 100, stored))
    assert small == large <= BATCH_QUERIES
