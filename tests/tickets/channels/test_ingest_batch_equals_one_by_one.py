"""Ingesting a batch (emails_receive, what manage.py ingest_email uses) leaves exactly the rows that
email_receive leaves one email at a time: tickets, messages, attachments, events, customers,
touchpoints, stage history, the raw emails' outcomes and the acknowledgements in the outbox, over a
mix that covers every rule (threading inside the batch and to stored tickets, strangers, closed,
solved, merged and spam tickets, automatic mail and its cap, quarantine, re-delivery, an agent's
signed reply and our own mail coming back)."""

import re

import pytest
from django.core import mail
from django.db import transaction

from lifecycle.models import Customer, StageChange, TouchpointEvent
from mail.models import OutboundEmail
from tests.factories import SLAPolicyFactory, TicketFactory
from tickets.channels.email.batch import emails_receive
from tickets.channels.email.ingest import email_receive
from tickets.channels.email.threading import reply_address
from tickets.models import Attachment, Message, RawEmail, Ticket, TicketEvent
from tickets.services import ticket_mark_spam, ticket_merge, ticket_reply, ticket_set_status

from .conftest import corpus_bytes


def _email(n: int | str, sender: str, subject: str, body: str = "Hello, see below.", **headers) -> bytes:
    """A plain email; `n` names its Message-ID (<mix-n@customer.example>) unless it is one."""
    message_id = n if str(n).startswith("<") else f"<mix-{n}@customer.example>"
    headers.setdefault("To", "support@helpdesk.localhost")
    extra = "".join(f"{name.replace('_', '-')}: {value}\r\n" for name, value in headers.items())
    return (
        f"From: {sender}\r\nSubject: {subject}\r\nMessage-ID: {message_id}\r\n{extra}\r\n{body}\r\n"
    ).encode()


def _stored_tickets(agent) -> dict[str, Ticket]:
    """Tickets that exist before the emails arrive, one per rule the emails exercise."""
    SLAPolicyFactory(priority=Ticket.Priority.NORMAL, first_response_minutes=60, resolution_minutes=600)
    stored = {
        name: TicketFactory(subject=f"Stored {name}", customer_email=f"{name}@customer.example")
        for name in ("open", "solved", "closed", "source", "target", "spam", "agentreply")
    }
    ticket_set_status(ticket=stored["solved"], status=Ticket.Status.SOLVED, by=agent)
    ticket_set_status(ticket=stored["closed"], status=Ticket.Status.CLOSED, by=agent)
    ticket_merge(source=stored["source"], target=stored["target"], by=agent)
    ticket_mark_spam(ticket=stored["spam"], by=agent)
    ticket_reply(ticket=stored["agentreply"], by=agent, body="Please restart it.")
    TicketFactory(
        subject="Chat", customer_email="chat@customer.example", external_message_id="<chat-1@x.example>"
    )
    return stored


def _mix(stored: dict[str, Ticket], agent) -> list[bytes]:
    ref = {name: ticket.reference for name, ticket in stored.items()}
    ours = OutboundEmail.objects.get(to=["agentreply@customer.example"])
    signed = reply_address(ticket=stored["agentreply"], agent_id=agent.pk)
    raws = [
        corpus_bytes("plain.eml"),
        corpus_bytes("reply_in_reply_to.eml"),
        corpus_bytes("stranger_reply.eml"),
        corpus_bytes("auto_reply.eml"),
        *[corpus_bytes("auto_reply.eml").replace(b"<ooo-1@", f"<ooo-{n}@".encode()) for n in range(2, 7)],
        corpus_bytes("bounce.eml"),
        corpus_bytes("list.eml"),
        corpus_bytes("no_sender.eml"),
        corpus_bytes("too_many_attachments.eml"),
        corpus_bytes("attachment.eml"),
        corpus_bytes("inline_image.eml"),
        corpus_bytes("html_only.eml"),
        _email(1, "open@customer.example", f"Re: [{ref['open']}] Stored open"),
        _email(2, "solved@customer.example", f"Re: [{ref['solved']}] Stored solved", "It broke again."),
        _email(3, "closed@customer.example", f"Re: [{ref['closed']}] Stored closed"),
        _email(4, "source@customer.example", f"Re: [{ref['source']}] Stored source"),
        _email(5, "spam@customer.example", f"Re: [{ref['spam']}] Stored spam"),
        _email(6, "Alice <alice@customer.example>", "A second question"),
        _email(7, agent.email, f"Re: [{ref['agentreply']}] Stored agentreply", "From my phone.", To=signed),
        corpus_bytes("plain.eml"),  # delivered twice
        _email("<chat-1@x.example>", "chat@customer.example", "Same id as a chat message"),
        _our_mail_back(ours),
        corpus_bytes("fake_agent.eml", ticket=stored["open"].pk),
        _email(9, "x@y", "A sender we cannot write to"),
        _email(10, "", "Nothing at all", "   "),
        _email(11, "empty@customer.example", "An empty message", " "),
        _email(12, "open@customer.example", f"Re: [{ref['open']}] Stored open", "And another thing."),
    ]
    for n in range(4):  # new customers writing three times each
        raws += [_email(100 + 3 * n + k, f"new{n}@customer.example", f"Order {n}-{k}") for k in range(3)]
    raws.append(
        _email(
            200,
            "new0@customer.example",
            "Re: Order 0-0",
            "Still waiting.",
            In_Reply_To="<mix-100@customer.example>",
        )
    )
    return raws


def _our_mail_back(ours: OutboundEmail) -> bytes:
    return (
        f"From: support@helpdesk.localhost\r\nTo: agentreply@customer.example\r\nSubject: {ours.subject}\r\n"
        f"Message-ID: {ours.message_id}\r\n\r\n{ours.body_text}\r\n"
    ).encode()


class _Names:
    """Ids (and our random Message-IDs) replaced by their order of appearance."""

    def __init__(self):
        self.tickets = {
            pk: n for n, pk in enumerate(Ticket.objects.order_by("pk").values_list("pk", flat=True))
        }
        self.messages = {
            pk: n for n, pk in enumerate(Message.objects.order_by("pk").values_list("pk", flat=True))
        }
        self.events = {
            pk: n for n, pk in enumerate(TouchpointEvent.objects.order_by("pk").values_list("pk", flat=True))
        }
        ids = OutboundEmail.objects.order_by("pk").values_list("message_id", flat=True)
        self.ours = {message_id: f"<ours-{n}>" for n, message_id in enumerate(ids)}

    def text(self, value):
        if not isinstance(value, str):
            return value
        for message_id, name in self.ours.items():
            value = value.replace(message_id, name)
        value = re.sub(r"HD-(\d+)", lambda m: f"HD-#{self.tickets.get(int(m[1]), '?')}", value)
        return re.sub(r"\.a\d+\.[0-9a-f]+@|\.[0-9a-f]{20}@", ".sig@", value)


def _snapshot() -> dict:
    names = _Names()
    t, m, text = names.tickets.get, names.messages.get, names.text
    return {
        "tickets": [
            (
                t(x.pk),
                text(x.subject),
                x.requester_email,
                x.status,
                x.customer.display_name,
                x.customer_stage_at_open,
                t(x.merged_into_id),
                x.is_spam,
                x.solved_at is None,
                x.first_response_due_at is None,
                x.language,
            )
            for x in Ticket.objects.select_related("customer").order_by("pk")
        ],
        "messages": [
            (
                t(x.ticket_id),
                x.kind,
                x.sender,
                x.author_id,
                text(x.body_text),
                text(x.body_html),
                text(x.external_message_id),
                x.delivery_state,
                x.channel,
            )
            for x in Message.objects.order_by("pk")
        ],
        "attachments": [
            (m(x.message_id), x.filename, x.content_type, x.size) for x in Attachment.objects.order_by("pk")
        ],
        "events": [
            (
                t(x.ticket_id),
                x.kind,
                x.actor_id,
                x.before,
                t(x.after) if x.kind == "merged" else x.after,
                m(x.message_id),
            )
            for x in TicketEvent.objects.order_by("pk")
        ],
        "customers": [
            (
                x.display_name,
                sorted(x.emails.values_list("address", flat=True)),
                x.stage,
                x.stage_since is None,
            )
            for x in Customer.objects.order_by("pk")
        ],
        "touchpoints": [
            (
                x.customer.display_name,
                x.type,
                x.source,
                text(x.idempotency_key.replace("ticket:", "HD-")),
                t(x.data.get("ticket")),
                x.data.get("channel"),
            )
            for x in TouchpointEvent.objects.select_related("customer").order_by("pk")
        ],
        "stage changes": [
            (
                x.customer_id and x.customer.display_name,
                x.from_stage,
                x.to_stage,
                x.cause,
                x.reason,
                names.events.get(x.event_id),
                x.superseded_at is None,
            )
            for x in StageChange.objects.select_related("customer").order_by("customer_id", "pk")
        ],
        "raw emails": [
            (
                text(x.dedupe_key),
                x.source,
                x.state,
                x.reason,
                x.is_automatic,
                x.sender,
                text(x.subject),
                t(x.ticket_id),
                m(x.message_id),
                x.processed_at is None,
            )
            for x in RawEmail.objects.order_by("pk")
        ],
        "outbox": [
            (
                x.to,
                text(x.subject),
                text(x.body_text),
                text(x.reply_to),
                {k: text(v) for k, v in x.headers.items()},
                text(x.message_id),
            )
            for x in OutboundEmail.objects.order_by("pk")
        ],
    }


def _outcome(agent, receive) -> dict:
    """The rows `receive(raws)` leaves, in a savepoint rolled back afterwards."""
    point = transaction.savepoint()
    try:
        stored = _stored_tickets(agent)
        receive(_mix(stored, agent))
        return _snapshot()
    finally:
        transaction.savepoint_rollback(point)
        mail.outbox.clear()


def _one_by_one(raws):
    for raw in raws:
        email_receive(raw=raw, source=RawEmail.Source.FILE)


def _in_batches(size):
    def receive(raws):
        for start in range(0, len(raws), size):
            emails_receive(raws=raws[start : start + size], source=RawEmail.Source.FILE)

    return receive


@pytest.mark.parametrize("size", [500, 7, 1])
def test_batch_ingestion_leaves_what_one_by_one_leaves(ingest, agent, settings, size):
    settings.EMAIL_ACKNOWLEDGE_NEW_TICKETS = True
    settings.INBOUND_AUTOMATIC_PER_HOUR = 3
    expected = _outcome(agent, _one_by_one)
    got = _outcome(agent, _in_batches(size))
    assert len(expected["raw emails"]) >= 40 and len(expected["outbox"]) >= 10
    for table in expected:
        assert got[table] == expected[table], table
