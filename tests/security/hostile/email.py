"""Inbound email through the real ingestion service (tickets/channels/email/ingest.py)."""

import base64

from django.test import TestCase

from mail.models import OutboundEmail
from tickets.channels.email.ingest import email_receive, raw_email_retry
from tickets.models import Attachment, Message, RawEmail, Ticket

from . import IMG_ONERROR, JS_LINK, RLO, SCRIPT, assert_inert, assert_isolated, case

CASES: list = []


def mail(
    body: str | bytes = "Hello, my order has not arrived.",
    *,
    subject: str | bytes = "Order 1042",
    sender: str | bytes = "Dana <dana@example.test>",
    message_id: str | bytes = "<hostile-1@example.test>",
    headers: str | bytes = "",
    content_type: str = 'text/plain; charset="utf-8"',
) -> bytes:
    """A raw message; str parts are UTF-8, bytes parts go in as they are (for NULs and charsets)."""

    def b(value):
        return value if isinstance(value, bytes) else value.encode()

    head = b"From: " + b(sender) + b"\r\nTo: support@helpdesk.localhost\r\nSubject: " + b(subject) + b"\r\n"
    if message_id:
        head += b"Message-ID: " + b(message_id) + b"\r\n"
    head += b(headers) + b"MIME-Version: 1.0\r\nContent-Type: " + content_type.encode() + b"\r\n\r\n"
    return head + b(body)


def receive(raw: bytes) -> RawEmail:
    stored = email_receive(raw=raw, source=RawEmail.Source.FILE)
    stored.refresh_from_db()
    return stored


def _word(text: str, charset: str = "utf-8") -> str:
    """An RFC 2047 encoded word."""
    return f"=?{charset}?b?{base64.b64encode(text.encode(charset)).decode()}?="


def _page(w, ticket: Ticket) -> bytes:
    response = w.client_for(w.admin).get(f"/tickets/{ticket.reference}/")
    assert response.status_code == 200
    return response.content


def _multipart(*parts: str, subtype: str = "mixed", boundary: str = "b0") -> tuple[str, str]:
    body = "".join(f"--{boundary}\r\n{part}\r\n" for part in parts) + f"--{boundary}--\r\n"
    return body, f'multipart/{subtype}; boundary="{boundary}"'


@case(
    CASES,
    "email-html-script-handlers-javascript-link",
    entry="inbound email",
    given="an HTML email with <script>, <img onerror> and a javascript: link",
    expect="stored sanitized; the ticket page has none of them live and the link text is visible",
    outcome="inert",
)
def _(w):
    html = f"<p>Hi</p>{SCRIPT}{IMG_ONERROR}{JS_LINK}"
    body, content_type = _multipart(
        f"Content-Type: text/html; charset=utf-8\r\n\r\n{html}", subtype="alternative"
    )
    stored = receive(mail(body, content_type=content_type))
    assert stored.state == RawEmail.State.CREATED
    message = stored.message
    assert "<script" not in message.body_html and "onerror" not in message.body_html
    assert "javascript:" not in message.body_html
    assert_inert(_page(w, stored.ticket), visible="hd-xss link")


@case(
    CASES,
    "email-encoded-subject-markup",
    entry="inbound email",
    given='a Subject that decodes (RFC 2047) to <script>alert("hd-xss")</script>',
    expect="the ticket subject is that text, shown escaped",
    outcome="inert",
)
def _(w):
    stored = receive(mail(subject=_word(SCRIPT)))
    assert stored.ticket.subject == SCRIPT
    assert_inert(_page(w, stored.ticket), visible=SCRIPT)


@case(
    CASES,
    "email-sender-name-rtl-and-markup",
    entry="inbound email",
    given="From: an encoded name 'Dana <U+202E>Levi <img onerror>'",
    expect="the customer's name has no override and is shown escaped inside dir=auto",
    outcome="isolated",
)
def _(w):
    stored = receive(mail(sender=f"{_word(f'Dana {RLO}Levi {IMG_ONERROR}')} <dana@example.test>"))
    customer = stored.ticket.customer
    assert customer.display_name == f"Dana Levi {IMG_ONERROR}"
    page = _page(w, stored.ticket)
    assert_isolated(page, text=customer.display_name)
    assert_inert(page, visible=customer.display_name)


@case(
    CASES,
    "email-attachment-path-traversal",
    entry="inbound email",
    given='an attachment with filename="../../../etc/passwd"',
    expect="stored as passwd under a random token",
    outcome="inert",
)
def _(w):
    body, content_type = _multipart(
        "Content-Type: text/plain\r\n\r\nSee attached.",
        "Content-Type: text/plain\r\n"
        'Content-Disposition: attachment; filename="../../../etc/passwd"\r\n\r\nroot',
    )
    stored = receive(mail(body, content_type=content_type))
    attachment = Attachment.objects.get(message=stored.message)
    assert attachment.filename == "passwd"
    assert attachment.file.name.rsplit("/", 1)[-1] == attachment.token


@case(
    CASES,
    "email-attachment-rtl-override-name",
    entry="inbound email",
    given="an attachment named (RFC 2231) photo<U+202E>gnp.exe",
    expect="the override is stripped: photognp.exe, shown inside dir=auto",
    outcome="isolated",
)
def _(w):
    body, content_type = _multipart(
        "Content-Type: text/plain\r\n\r\nPhoto attached.",
        "Content-Type: application/octet-stream\r\n"
        "Content-Disposition: attachment; filename*=utf-8''photo%E2%80%AEgnp.exe\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\nTVo=",
    )
    stored = receive(mail(body, content_type=content_type))
    assert Attachment.objects.get(message=stored.message).filename == "photognp.exe"
    assert_isolated(_page(w, stored.ticket), text="photognp.exe")


@case(
    CASES,
    "email-null-bytes-in-body-and-subject",
    entry="inbound email",
    given="NUL bytes in the Subject header, the text body and the sender's name",
    expect="a ticket without the NULs (PostgreSQL refuses NUL in text)",
    outcome="correct",
)
def _(w):
    stored = receive(mail(b"Hel\x00lo there", subject=b"Or\x00der", sender=b"Da\x00na <dana@example.test>"))
    assert stored.state == RawEmail.State.CREATED, stored.reason
    assert stored.ticket.subject == "Order"
    assert stored.message.body_text == "Hello there"
    assert stored.ticket.customer.display_name == "Dana"


@case(
    CASES,
    "email-html-null-bytes",
    entry="inbound email",
    given="an HTML-only email with NUL bytes in its text and attributes",
    expect="a ticket whose stored HTML and text carry no NUL",
    outcome="correct",
)
def _(w):
    html = b'<p title="a\x00b">Hel\x00lo <b>there</b></p>'
    stored = receive(mail(html, content_type="text/html; charset=utf-8"))
    assert stored.state == RawEmail.State.CREATED, stored.reason
    assert "\x00" not in stored.message.body_html and "\x00" not in stored.message.body_text
    assert "there" in stored.message.body_text


@case(
    CASES,
    "email-null-byte-in-message-id",
    entry="inbound email",
    given="a Message-ID with a NUL byte, delivered twice",
    expect="one stored email and one ticket, no server error",
    outcome="once",
)
def _(w):
    raw = mail(message_id=b"<nul\x00id@example.test>")
    first, second = receive(raw), receive(raw)
    assert first.pk == second.pk
    assert first.state == RawEmail.State.CREATED, first.reason
    assert RawEmail.objects.count() == 1 and Ticket.objects.filter(subject="Order 1042").count() == 1


@case(
    CASES,
    "email-null-bytes-unparseable-quarantined",
    entry="inbound email",
    given="a message with no usable sender whose Subject carries NUL bytes",
    expect="quarantined with its reason and summary, raw bytes kept",
    outcome="quarantined",
)
def _(w):
    raw = mail(subject=b"Lost\x00 order", sender=b"nobody\x00")
    stored = receive(raw)
    assert stored.state == RawEmail.State.QUARANTINED
    assert "no sender" in stored.reason
    assert stored.subject == "Lost order"
    assert bytes(stored.raw) == raw


@case(
    CASES,
    "email-oversized-quarantined-then-retried",
    entry="inbound email",
    given="a 3,000-byte message with INBOUND_EMAIL_MAX_BYTES = 2,000",
    expect="quarantined with the limit named, bytes kept; retried after raising the limit, it opens a ticket",
    outcome="quarantined",
)
def _(w):
    w.settings.INBOUND_EMAIL_MAX_BYTES = 2000
    raw = mail("x" * 3000)
    stored = receive(raw)
    assert stored.state == RawEmail.State.QUARANTINED
    assert "larger than the limit" in stored.reason
    assert bytes(stored.raw) == raw and stored.sender == "dana@example.test"
    w.settings.INBOUND_EMAIL_MAX_BYTES = 10_000
    raw_email_retry(raw_email=stored)
    stored.refresh_from_db()
    assert stored.state == RawEmail.State.CREATED and stored.ticket is not None


@case(
    CASES,
    "email-oversized-http-endpoint",
    entry="inbound email",
    given="POST /inbound/email/ with a body over the size limit",
    expect="413 with a message; nothing half-stored (the sending service keeps and retries it)",
    outcome="4xx",
)
def _(w):
    w.settings.INBOUND_EMAIL_MAX_BYTES = 2000
    response = w.anon_client.post(
        "/inbound/email/",
        mail("x" * 3000),
        content_type="message/rfc822",
        HTTP_AUTHORIZATION="Bearer hostile-secret",
    )
    assert response.status_code == 413
    assert "larger than the limit" in response.json()["detail"]
    assert not RawEmail.objects.exists()


@case(
    CASES,
    "email-oversized-header-line",
    entry="inbound email",
    given="a 200,000-character Subject on one line and 5,000 Received headers",
    expect="a ticket with the subject cut to 500 characters; the raw message kept whole",
    outcome="correct",
)
def _(w):
    received = "Received: from relay.example.test by mx.example.test;\r\n" * 5000
    raw = mail(subject="S" * 200_000, headers=received)
    stored = receive(raw)
    assert stored.state == RawEmail.State.CREATED, stored.reason
    assert stored.ticket.subject == "S" * 500
    assert len(bytes(stored.raw)) == len(raw)


@case(
    CASES,
    "email-deeply-nested-mime",
    entry="inbound email",
    given="a message nesting multipart/mixed 5,000 levels deep",
    expect="quarantined with a clear reason (too deeply nested), bytes kept, never a crash",
    outcome="quarantined",
)
def _(w):
    depth = 5000
    opening = "".join(
        f'--n{i}\r\nContent-Type: multipart/mixed; boundary="n{i + 1}"\r\n\r\n' for i in range(depth)
    )
    closing = "".join(f"\r\n--n{i}--\r\n" for i in reversed(range(depth + 1)))
    body = opening + f"--n{depth}\r\nContent-Type: text/plain\r\n\r\ndeep" + closing
    stored = receive(mail(body, content_type='multipart/mixed; boundary="n0"'))
    assert stored.state == RawEmail.State.QUARANTINED
    assert "nested" in stored.reason and "Unexpected" not in stored.reason, stored.reason
    assert len(bytes(stored.raw)) > depth * 40


@case(
    CASES,
    "email-malformed-mime-boundaries",
    entry="inbound email",
    given="multipart/mixed whose closing boundary is missing and one whose boundary is never used",
    expect="both open tickets with the text that is there; nothing lost",
    outcome="correct",
)
def _(w):
    unclosed = "--b0\r\nContent-Type: text/plain\r\n\r\nFirst part, never closed."
    stored = receive(mail(unclosed, content_type='multipart/mixed; boundary="b0"'))
    assert stored.state == RawEmail.State.CREATED, stored.reason
    assert "never closed" in stored.message.body_text
    unused = "Just text, no parts at all."
    stored = receive(
        mail(unused, content_type='multipart/mixed; boundary="zz"', message_id="<h-2@example.test>")
    )
    assert stored.state in (RawEmail.State.CREATED, RawEmail.State.QUARANTINED), stored.reason
    assert bytes(stored.raw).endswith(unused.encode())


@case(
    CASES,
    "email-invalid-base64-and-qp",
    entry="inbound email",
    given="a text part whose base64 is broken and an attachment with invalid quoted-printable",
    expect="a ticket with what could be decoded; no crash",
    outcome="correct",
)
def _(w):
    body, content_type = _multipart(
        "Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\nSGVsbG8gd29ybGQ!!!***",
        "Content-Type: text/plain\r\nContent-Disposition: attachment; filename=a.txt\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n=ZZ=4=\r\nok",
    )
    stored = receive(mail(body, content_type=content_type))
    assert stored.state == RawEmail.State.CREATED, stored.reason
    assert stored.message.body_text.startswith("Hello world")


@case(
    CASES,
    "email-wrong-declared-charset",
    entry="inbound email",
    given="a body declared UTF-8 whose bytes are Latin-1 ('Grüße aus Köln')",
    expect="the text reads correctly (falls back to Latin-1)",
    outcome="correct",
)
def _(w):
    stored = receive(mail("Grüße aus Köln".encode("latin-1")))
    assert stored.message.body_text == "Grüße aus Köln"


@case(
    CASES,
    "email-mixed-charsets",
    entry="inbound email",
    given="a KOI8-R encoded Subject, an ISO-8859-7 text part and a windows-1251 HTML part",
    expect="subject and text decoded from each declared charset",
    outcome="correct",
)
def _(w):
    greek = "Καλημέρα"
    parts = [
        b"--b0\r\nContent-Type: text/plain; charset=iso-8859-7\r\n\r\n"
        + greek.encode("iso-8859-7")
        + b"\r\n",
        b"--b0\r\nContent-Type: text/html; charset=windows-1251\r\n\r\n<p>"
        + "Привет".encode("windows-1251")
        + b"</p>\r\n--b0--\r\n",
    ]
    raw = mail(
        b"".join(parts), subject=_word("Заказ", "koi8-r"), content_type='multipart/alternative; boundary="b0"'
    )
    stored = receive(raw)
    assert stored.ticket.subject == "Заказ"
    assert greek in stored.message.body_text


@case(
    CASES,
    "email-unknown-charset",
    entry="inbound email",
    given='a body with charset="x-klingon" (unknown) in UTF-8 bytes, and an unknown charset in the Subject',
    expect="decoded as UTF-8; a ticket opens",
    outcome="correct",
)
def _(w):
    raw = mail(
        "Ça marche".encode(), subject="=?x-klingon?q?Hallo?=", content_type='text/plain; charset="x-klingon"'
    )
    stored = receive(raw)
    assert stored.state == RawEmail.State.CREATED, stored.reason
    assert stored.message.body_text == "Ça marche"
    assert stored.ticket.subject


@case(
    CASES,
    "email-redelivery",
    entry="inbound email",
    given="the same message delivered three times (IMAP, file and HTTP sources)",
    expect="one stored email, one ticket, one message",
    outcome="once",
)
def _(w):
    raw = mail()
    rows = {email_receive(raw=raw, source=source).pk for source in ("imap", "file", "http")}
    assert len(rows) == 1
    assert Ticket.objects.filter(subject="Order 1042").count() == 1
    assert Message.objects.filter(external_message_id="<hostile-1@example.test>").count() == 1


@case(
    CASES,
    "email-redelivery-without-message-id",
    entry="inbound email",
    given="a message with no Message-ID delivered twice",
    expect="recognised by its bytes: one stored email and one ticket",
    outcome="once",
)
def _(w):
    raw = mail(message_id="")
    assert receive(raw).pk == receive(raw).pk
    assert Ticket.objects.filter(subject="Order 1042").count() == 1


@case(
    CASES,
    "email-reply-loop-auto-reply",
    entry="inbound email",
    given="an out-of-office answer (Auto-Submitted: auto-replied) to our acknowledgement",
    expect="recorded on the ticket, never answered: no outbound email queued",
    outcome="correct",
)
def _(w):
    w.settings.EMAIL_ACKNOWLEDGE_NEW_TICKETS = True
    ticket = receive(mail()).ticket
    outbound = OutboundEmail.objects.count()
    reply = mail(
        "I am out of the office.",
        subject=f"Out of office: [{ticket.reference}] Order 1042",
        message_id="<ooo@example.test>",
        headers="Auto-Submitted: auto-replied\r\nIn-Reply-To: <hostile-1@example.test>\r\n",
    )
    stored = receive(reply)
    assert stored.state == RawEmail.State.IGNORED and stored.is_automatic
    assert OutboundEmail.objects.count() == outbound


@case(
    CASES,
    "email-reply-loop-flood",
    entry="inbound email",
    given="30 auto-replies from one address within the hour",
    expect="at most INBOUND_AUTOMATIC_PER_HOUR land on the ticket; none answered; all 30 kept",
    outcome="correct",
)
def _(w):
    w.settings.INBOUND_AUTOMATIC_PER_HOUR = 5
    w.settings.EMAIL_ACKNOWLEDGE_NEW_TICKETS = True
    ticket = receive(mail()).ticket
    outbound = OutboundEmail.objects.count()
    for n in range(30):
        receive(
            mail(
                "Auto",
                subject=f"Re: [{ticket.reference}] Order 1042",
                message_id=f"<loop-{n}@example.test>",
                headers="Precedence: auto_reply\r\nIn-Reply-To: <hostile-1@example.test>\r\n",
            )
        )
    assert RawEmail.objects.filter(is_automatic=True).count() == 30
    assert ticket.messages.filter(kind=Message.Kind.SYSTEM).exclude(raw_email=None).count() == 5
    assert OutboundEmail.objects.count() == outbound


@case(
    CASES,
    "email-reply-loop-own-message-id",
    entry="inbound email",
    given="our own outbound reply bounced back to us verbatim (its Message-ID is ours)",
    expect="recognised as a loop and ignored; no new ticket, nothing answered",
    outcome="correct",
)
def _(w):
    from tickets.services import ticket_reply

    ticket = receive(mail()).ticket
    reply = ticket_reply(ticket=ticket, by=w.admin, body="We are on it.")
    outbound = OutboundEmail.objects.count()
    tickets = Ticket.objects.count()
    looped = mail("We are on it.", sender="support@helpdesk.localhost", message_id=reply.external_message_id)
    stored = receive(looped)
    assert stored.state == RawEmail.State.IGNORED and "loop" in stored.reason
    assert (Ticket.objects.count(), OutboundEmail.objects.count()) == (tickets, outbound)


@case(
    CASES,
    "email-http-endpoint-null-message-id",
    entry="inbound email",
    given="POST /inbound/email/ of a message whose Message-ID has a NUL byte",
    expect="202 with the stored id; the task opens one ticket",
    outcome="correct",
)
def _(w):
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = w.anon_client.post(
            "/inbound/email/",
            mail(message_id=b"<a\x00b@example.test>"),
            content_type="message/rfc822",
            HTTP_AUTHORIZATION="Bearer hostile-secret",
        )
    assert response.status_code == 202
    stored = RawEmail.objects.get(pk=response.json()["id"])
    assert stored.state == RawEmail.State.CREATED, stored.reason
