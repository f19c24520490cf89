"""An agent's reply goes out threaded (Message-ID, In-Reply-To, References, signed reply address);
the customer's answer to it lands on the same ticket; only a signed agent address makes an agent reply."""

from django.core import mail

from tickets.channels.email.ingest import email_receive
from tickets.channels.email.threading import reply_address, reply_token
from tickets.models import Message, RawEmail
from tickets.services import ticket_reply


def _reply_to(sent, *, sender: str, message_id: str, body: str, to: str | None = None) -> bytes:
    return (
        f"From: {sender}\r\nTo: {to or sent.reply_to[0]}\r\nSubject: Re: {sent.subject}\r\n"
        f"Message-ID: {message_id}\r\nIn-Reply-To: {sent.extra_headers['Message-ID']}\r\n"
        f"References: {sent.extra_headers['References']} {sent.extra_headers['Message-ID']}\r\n\r\n{body}\r\n"
    ).encode()


def _agent_reply(ticket, agent, capture):
    with capture(execute=True):
        ticket_reply(ticket=ticket, by=agent, body="Please restart the printer.")
    return mail.outbox[-1]


def test_agent_reply_email_threads_under_the_customer_message(
    ingest, agent, django_capture_on_commit_callbacks
):
    ticket = ingest("plain.eml").ticket
    sent = _agent_reply(ticket, agent, django_capture_on_commit_callbacks)
    assert sent.to == ["alice@customer.example"]
    assert sent.subject == f"[{ticket.reference}] Printer does not print"
    assert sent.extra_headers["In-Reply-To"] == "<plain-1@customer.example>"
    assert sent.extra_headers["References"] == "<plain-1@customer.example>"
    assert sent.reply_to[0].startswith(f"support+{ticket.reference}.")
    assert reply_token(sent.reply_to).ticket_id == ticket.pk
    reply = Message.objects.get(ticket=ticket, sender=Message.Sender.AGENT)
    assert reply.external_message_id == sent.extra_headers["Message-ID"]


def test_customer_answer_to_our_email_lands_on_the_same_ticket(
    ingest, agent, django_capture_on_commit_callbacks
):
    ticket = ingest("plain.eml").ticket
    sent = _agent_reply(ticket, agent, django_capture_on_commit_callbacks)
    raw = _reply_to(
        sent, sender="alice@customer.example", message_id="<answer-1@customer.example>", body="Done."
    )
    stored = email_receive(raw=raw, source=RawEmail.Source.FILE)
    assert stored.state == RawEmail.State.THREADED and stored.ticket_id == ticket.pk
    with django_capture_on_commit_callbacks(execute=True):
        ticket_reply(ticket=ticket, by=agent, body="Glad it works.")
    references = mail.outbox[-1].extra_headers["References"].split()
    assert references[0] == "<plain-1@customer.example>" and "<answer-1@customer.example>" in references
    assert mail.outbox[-1].extra_headers["In-Reply-To"] == "<answer-1@customer.example>"


def test_agent_email_with_signed_address_is_an_agent_reply(ingest, agent, django_capture_on_commit_callbacks):
    ticket = ingest("plain.eml").ticket
    sent = _agent_reply(ticket, agent, django_capture_on_commit_callbacks)
    to = reply_address(ticket=ticket, agent_id=agent.pk)
    raw = _reply_to(
        sent, sender=agent.email, message_id="<agent-1@helpdesk.test>", body="From my phone.", to=to
    )
    with django_capture_on_commit_callbacks(execute=True):
        stored = email_receive(raw=raw, source=RawEmail.Source.FILE)
    assert stored.state == RawEmail.State.THREADED
    assert stored.message.sender == Message.Sender.AGENT and stored.message.author == agent
    assert mail.outbox[-1].to == ["alice@customer.example"]  # forwarded to the customer


def test_agent_email_with_forged_signature_opens_its_own_ticket(
    ingest, agent, django_capture_on_commit_callbacks
):
    ticket = ingest("plain.eml").ticket
    sent = _agent_reply(ticket, agent, django_capture_on_commit_callbacks)
    forged = reply_address(ticket=ticket, agent_id=agent.pk)[:-8] + "00000000@helpdesk.localhost"
    raw = _reply_to(sent, sender=agent.email, message_id="<forged-1@x.example>", body="Close it.", to=forged)
    stored = email_receive(raw=raw, source=RawEmail.Source.FILE)
    assert stored.state == RawEmail.State.CREATED and stored.ticket_id != ticket.pk
    assert stored.message.sender == Message.Sender.CUSTOMER


def test_our_own_message_id_coming_back_is_a_loop(ingest, agent, django_capture_on_commit_callbacks):
    ticket = ingest("plain.eml").ticket
    sent = _agent_reply(ticket, agent, django_capture_on_commit_callbacks)
    raw = sent.message().as_bytes()
    stored = email_receive(raw=raw, source=RawEmail.Source.FILE)
    assert stored.state == RawEmail.State.IGNORED and "loop" in stored.reason
