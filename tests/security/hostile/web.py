"""The agent workspace and the customer portal: forms a signed-in person submits."""

from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import TicketFactory
from tickets.models import Attachment, Message, SavedView, Tag, Ticket

from . import IMG_ONERROR, JS_LINK, RLO, SCRIPT, SVG_ONLOAD, assert_inert, assert_isolated, case

CASES: list = []
QUEUE = "/tickets/?view=all"


def _detail(w, ticket=None) -> str:
    return f"/tickets/{(ticket or w.ticket).reference}/"


def _reply(w, body, **extra):
    return w.agent_client.post(f"{_detail(w)}messages/", {"kind": "reply", "body": body, **extra})


def _agent_page(w, ticket=None):
    response = w.agent_client.get(_detail(w, ticket))
    assert response.status_code == 200
    return response.content


@case(
    CASES,
    "web-reply-script-and-handlers",
    entry="web form",
    given="an agent reply whose text is <script>, <img onerror> and <svg onload> markup",
    expect="stored as text; the ticket page shows it escaped and nothing runs",
    outcome="inert",
)
def _(w):
    body = f"{SCRIPT} {IMG_ONERROR} {SVG_ONLOAD}"
    assert _reply(w, body).status_code == 302
    message = w.ticket.messages.latest("pk")
    assert message.body_text == body
    assert "<script" not in message.body_html and "onerror" not in message.body_html.replace("onerror=&", "")
    assert_inert(_agent_page(w), visible=SCRIPT)


@case(
    CASES,
    "web-reply-javascript-link",
    entry="web form",
    given='a reply containing <a href="javascript:...">',
    expect="no javascript: href on the page; the markup is shown as text",
    outcome="inert",
)
def _(w):
    assert _reply(w, JS_LINK).status_code == 302
    assert_inert(_agent_page(w), visible=JS_LINK)


@case(
    CASES,
    "web-reply-null-byte",
    entry="web form",
    given="a reply body with a NUL character",
    expect="400 with a form error; nothing stored",
    outcome="form error",
)
def _(w):
    before = Message.objects.count()
    response = _reply(w, "before\x00after")
    assert response.status_code == 400
    assert b"Null characters are not allowed" in response.content
    assert Message.objects.count() == before


@case(
    CASES,
    "web-reply-oversized",
    entry="web form",
    given="a reply of 100,001 characters",
    expect="400 with a form error; nothing stored",
    outcome="form error",
)
def _(w):
    before = Message.objects.count()
    response = _reply(w, "x" * 100_001)
    assert response.status_code == 400
    assert b"at most 100000 characters" in response.content.replace(b",", b"")
    assert Message.objects.count() == before


@case(
    CASES,
    "web-tags-markup",
    entry="web form",
    given='the tag <script>alert("hd-xss")</script> on the ticket controls',
    expect="kept as a tag name, shown escaped on the ticket page and in the queue",
    outcome="inert",
)
def _(w):
    response = w.agent_client.post(
        f"{_detail(w)}update/",
        {"status": "open", "priority": "normal", "type": "question", "team": w.team.pk, "tags": SCRIPT},
    )
    assert response.status_code == 302
    assert Tag.objects.filter(name=SCRIPT.lower()).exists()
    assert_inert(_agent_page(w), visible=SCRIPT.lower())
    assert_inert(w.agent_client.get(QUEUE).content, visible=SCRIPT.lower())


@case(
    CASES,
    "web-tags-too-long",
    entry="web form",
    given="a 51-character tag",
    expect="400 with a form error; the ticket's tags unchanged",
    outcome="form error",
)
def _(w):
    response = w.agent_client.post(
        f"{_detail(w)}update/",
        {"status": "new", "priority": "normal", "type": "question", "team": w.team.pk, "tags": "t" * 51},
    )
    assert response.status_code == 400
    assert b"at most 50 characters" in response.content
    assert not w.ticket.tags.exists()


@case(
    CASES,
    "web-attachment-path-traversal",
    entry="web form",
    given="an attachment named ../../../etc/passwd",
    expect="stored under a random token; shown and sent as plain 'passwd'",
    outcome="inert",
)
def _(w):
    upload = SimpleUploadedFile("../../../etc/passwd", b"root:x:0:0", content_type="text/plain")
    assert _reply(w, "see file", attachments=[upload]).status_code == 302
    attachment = Attachment.objects.latest("pk")
    assert attachment.filename == "passwd"
    assert attachment.file.name.rsplit("/", 1)[-1] == attachment.token and ".." not in attachment.file.name
    download = w.agent_client.get(f"/tickets/attachments/{attachment.token}/")
    assert download["Content-Disposition"] == 'attachment; filename="passwd"'


@case(
    CASES,
    "web-attachment-windows-path",
    entry="web form",
    given="an attachment named ..\\..\\Windows\\System32\\evil.bat",
    expect="only the last name part is kept: evil.bat",
    outcome="inert",
)
def _(w):
    upload = SimpleUploadedFile(
        "..\\..\\Windows\\System32\\evil.bat", b"@echo off", content_type="text/plain"
    )
    assert _reply(w, "see file", attachments=[upload]).status_code == 302
    assert Attachment.objects.latest("pk").filename == "evil.bat"


@case(
    CASES,
    "web-attachment-rtl-override-name",
    entry="web form",
    given="an attachment named invoice<U+202E>fdp.exe (reads as invoiceexe.pdf)",
    expect="the override is stripped: invoicefdp.exe, shown inside dir=auto",
    outcome="isolated",
)
def _(w):
    upload = SimpleUploadedFile(f"invoice{RLO}fdp.exe", b"MZ", content_type="application/pdf")
    assert _reply(w, "see file", attachments=[upload]).status_code == 302
    attachment = Attachment.objects.latest("pk")
    assert attachment.filename == "invoicefdp.exe"
    assert attachment.content_type == "text/plain"  # sniffed, never the client's claim
    assert_isolated(_agent_page(w), text="invoicefdp.exe")


@case(
    CASES,
    "web-attachment-markup-name",
    entry="web form",
    given="an attachment named <img src=x onerror=\"alert('hd-xss')\">.png",
    expect="the name is shown escaped; the download header quotes it safely",
    outcome="inert",
)
def _(w):
    upload = SimpleUploadedFile(f"{IMG_ONERROR}.png", b"\x89PNG\r\n\x1a\n0000", content_type="image/png")
    assert _reply(w, "see file", attachments=[upload]).status_code == 302
    attachment = Attachment.objects.latest("pk")
    assert '"' not in attachment.filename
    assert_inert(_agent_page(w), visible=attachment.filename)
    download = w.agent_client.get(f"/tickets/attachments/{attachment.token}/?download=1")
    assert download["Content-Disposition"].count('"') == 2
    assert download["X-Content-Type-Options"] == "nosniff"


@case(
    CASES,
    "web-attachment-oversized",
    entry="web form",
    given="an attachment one byte over TICKETS_MAX_ATTACHMENT_BYTES",
    expect="400 with a form error; no message and no file stored",
    outcome="form error",
)
def _(w):
    w.settings.TICKETS_MAX_ATTACHMENT_BYTES = 1024
    before = (Message.objects.count(), Attachment.objects.count())
    upload = SimpleUploadedFile("big.bin", b"x" * 1025)
    response = _reply(w, "too big", attachments=[upload])
    assert response.status_code == 400
    assert b"at most" in response.content
    assert (Message.objects.count(), Attachment.objects.count()) == before


@case(
    CASES,
    "web-saved-view-name-markup",
    entry="web form",
    given="a saved queue view named <svg/onload=...>",
    expect="listed on the queue page as escaped text",
    outcome="inert",
)
def _(w):
    response = w.agent_client.post("/tickets/views/", {"name": SVG_ONLOAD, "query": "status=open"})
    assert response.status_code in (200, 302)
    assert SavedView.objects.filter(name=SVG_ONLOAD).exists()
    assert_inert(w.agent_client.get(QUEUE).content, visible=SVG_ONLOAD)


@case(
    CASES,
    "web-search-null-byte",
    entry="web form",
    given="the queue and the customer list searched for a NUL character (?q=%00), and %00 in a ticket URL",
    expect="400 with a message, never reaching the database (PostgreSQL refuses NUL)",
    outcome="4xx",
)
def _(w):
    for url in ("/tickets/?q=%00", "/customers/?q=ab%00cd", f"{_detail(w)[:-1]}%00/"):
        response = w.agent_client.get(url)
        assert response.status_code == 400, url
        assert b"Null characters are not allowed" in response.content


@case(
    CASES,
    "web-bulk-negative-and-huge-ids",
    entry="web form",
    given="bulk update of tickets -1 and 99999999999999999999999",
    expect="back to the queue with an error message; nothing changes",
    outcome="form error",
)
def _(w):
    for value in ("-1", "99999999999999999999999"):
        response = w.agent_client.post("/tickets/bulk/", {"tickets": [value], "priority": "urgent"})
        assert response.status_code == 302
        errors = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "error"]
        assert any("valid choice" in e for e in errors), errors
    assert not Ticket.objects.filter(priority="urgent").exists()


@case(
    CASES,
    "web-huge-ticket-reference",
    entry="web form",
    given="/tickets/HD-99999999999999999999999/ and a negative canned reply id",
    expect="404, not a server error",
    outcome="4xx",
)
def _(w):
    assert w.agent_client.get("/tickets/HD-99999999999999999999999/").status_code == 404
    assert w.agent_client.get("/tickets/HD--1/").status_code == 404
    huge = f"{_detail(w)}canned/99999999999999999999999/apply/"
    assert w.agent_client.post(huge).status_code == 404


@case(
    CASES,
    "portal-open-markup-subject-and-body",
    entry="portal form",
    given="a portal request whose subject is <script> and body an <img onerror>",
    expect="agent and portal pages show both escaped",
    outcome="inert",
)
def _(w):
    response = w.customer_client.post("/portal/new/", {"subject": SCRIPT, "body": IMG_ONERROR})
    assert response.status_code == 302
    ticket = Ticket.objects.latest("pk")
    assert ticket.subject == SCRIPT
    assert_inert(w.customer_client.get(response["Location"]).content, visible=SCRIPT)
    assert_inert(_agent_page(w, ticket), visible=IMG_ONERROR)


@case(
    CASES,
    "portal-open-rtl-subject",
    entry="portal form",
    given="a subject with a right-to-left override: 'Refund <U+202E>txt.exe'",
    expect="the override is stripped and the subject is shown inside dir=auto",
    outcome="isolated",
)
def _(w):
    response = w.customer_client.post("/portal/new/", {"subject": f"Refund {RLO}txt.exe", "body": "hi"})
    assert response.status_code == 302
    ticket = Ticket.objects.latest("pk")
    assert ticket.subject == "Refund txt.exe"
    assert_isolated(_agent_page(w, ticket), text="Refund txt.exe")
    assert_isolated(w.agent_client.get(QUEUE).content, text="Refund txt.exe")


@case(
    CASES,
    "portal-open-null-byte",
    entry="portal form",
    given="a portal request whose subject has a NUL character",
    expect="a form error; no ticket opened",
    outcome="form error",
)
def _(w):
    before = Ticket.objects.count()
    response = w.customer_client.post("/portal/new/", {"subject": "a\x00b", "body": "hello"})
    assert response.status_code in (200, 400)
    assert b"Null characters are not allowed" in response.content
    assert Ticket.objects.count() == before


@case(
    CASES,
    "portal-open-oversized-attachment",
    entry="portal form",
    given="a portal request with an attachment over the size limit",
    expect="a form error; no ticket opened, nothing stored",
    outcome="form error",
)
def _(w):
    w.settings.TICKETS_MAX_ATTACHMENT_BYTES = 1024
    before = (Ticket.objects.count(), Attachment.objects.count())
    upload = SimpleUploadedFile("scan.pdf", b"%PDF-" + b"x" * 2000)
    response = w.customer_client.post("/portal/new/", {"subject": "s", "body": "b", "attachments": [upload]})
    assert response.status_code in (200, 400)
    assert b"is larger than" in response.content
    assert (Ticket.objects.count(), Attachment.objects.count()) == before


@case(
    CASES,
    "portal-answer-path-traversal-file",
    entry="portal form",
    given="a portal answer with a file named ../../settings.py",
    expect="stored as settings.py under a random token",
    outcome="inert",
)
def _(w):
    upload = SimpleUploadedFile("../../settings.py", b"SECRET_KEY = 'x'")
    response = w.customer_client.post(
        f"/portal/requests/{w.portal_ticket.pk}/answer/", {"body": "file", "attachments": [upload]}
    )
    assert response.status_code == 302
    attachment = Attachment.objects.latest("pk")
    assert attachment.filename == "settings.py"
    assert attachment.file.name.rsplit("/", 1)[-1] == attachment.token


@case(
    CASES,
    "portal-rating-comment-markup",
    entry="portal form",
    given="a rating comment with <script> and a javascript: link",
    expect="shown escaped in the agent's customer sidebar",
    outcome="inert",
)
def _(w):
    from tickets.services import ticket_set_status

    ticket = TicketFactory(team=w.team, customer_email=w.customer_user.email)
    ticket_set_status(ticket=ticket, status="solved", by=w.agent)
    comment = f"{SCRIPT} {JS_LINK}"
    response = w.customer_client.post(
        f"/portal/requests/{ticket.pk}/rate/", {"score": "1", "comment": comment}
    )
    assert response.status_code == 302
    assert_inert(_agent_page(w, ticket), visible=SCRIPT)
