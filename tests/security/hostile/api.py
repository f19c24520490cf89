"""The REST API and the chat/social webhook: JSON from integrations."""

import base64

from lifecycle.models import Customer, TouchpointEvent
from tickets.models import Attachment, ConversationLink, Message, Ticket

from . import IMG_ONERROR, RLO, SCRIPT, assert_api_error, assert_inert, assert_isolated, case

CASES: list = []
TICKETS = "/api/v1/tickets/"
EVENTS = "/api/v1/lifecycle/events/"
CHAT = "/inbound/messages/"


def _ticket(**overrides) -> dict:
    return {
        "subject": "Order 1042",
        "body": "Where is it?",
        "customer_email": "api@example.test",
        **overrides,
    }


def _post(w, path, data):
    return w.api.post(path, data, format="json")


def _chat(**overrides) -> dict:
    data = {
        "channel": "whatsapp",
        "conversation_id": "wa-hostile",
        "sender": {"id": "4915100000001", "name": "Dana"},
        "text": "My parcel has not arrived.",
        "idempotency_key": "hostile-1",
    }
    data.update(overrides)
    return data


def _event(**overrides) -> dict:
    return {
        "customer_email": "events@example.test",
        "type": "purchase",
        "occurred_at": "2026-03-01T10:00:00Z",
        **overrides,
    }


@case(
    CASES,
    "api-ticket-markup-subject",
    entry="REST API",
    given="POST /api/v1/tickets/ with a <script> subject and an <img onerror> body",
    expect="201; the ticket page shows both escaped",
    outcome="inert",
)
def _(w):
    response = _post(w, TICKETS, _ticket(subject=SCRIPT, body=IMG_ONERROR))
    assert response.status_code == 201
    ticket = Ticket.objects.get(pk=response.json()["id"])
    page = w.client_for(w.admin).get(f"/tickets/{ticket.reference}/").content
    assert_inert(page, visible=SCRIPT)
    assert_inert(page, visible=IMG_ONERROR)


@case(
    CASES,
    "api-ticket-wrong-json-types",
    entry="REST API",
    given="tags as a string, team as a string, subject as an object",
    expect="400 with {code, message, errors} naming each field; nothing stored",
    outcome="4xx",
)
def _(w):
    before = Ticket.objects.count()
    response = _post(w, TICKETS, _ticket(tags="a,b", team="first", subject={"x": 1}))
    body = assert_api_error(response, 400)
    assert {"tags", "team", "subject"} <= set(body["errors"])
    assert Ticket.objects.count() == before


@case(
    CASES,
    "api-ticket-unknown-field",
    entry="REST API",
    given='an unknown field "is_spam": true (mass assignment)',
    expect="400 naming the field; nothing stored",
    outcome="4xx",
)
def _(w):
    before = Ticket.objects.count()
    body = assert_api_error(_post(w, TICKETS, _ticket(is_spam=True)), 400, field="is_spam")
    assert body["errors"]["is_spam"] == ["Unknown field."]
    assert Ticket.objects.count() == before


@case(
    CASES,
    "api-ticket-huge-and-negative-ids",
    entry="REST API",
    given="PATCH team 10**30, assignee -5; GET /tickets/-1/ and /tickets/99999999999999999999999/",
    expect="400 naming the fields; 404 with the error body for the ids",
    outcome="4xx",
)
def _(w):
    url = f"{TICKETS}{w.ticket.pk}/"
    assert_api_error(w.api.patch(url, {"team": 10**30}, format="json"), 400, field="team")
    assert_api_error(w.api.patch(url, {"assignee": -5}, format="json"), 400, field="assignee")
    assert_api_error(w.api.get(f"{TICKETS}-1/"), 404)
    assert_api_error(w.api.get(f"{TICKETS}99999999999999999999999/"), 404)


@case(
    CASES,
    "api-ticket-null-byte",
    entry="REST API",
    given="a subject with a NUL character",
    expect="400 naming subject; nothing stored",
    outcome="4xx",
)
def _(w):
    before = Ticket.objects.count()
    assert_api_error(_post(w, TICKETS, _ticket(subject="a\x00b")), 400, field="subject")
    assert Ticket.objects.count() == before


@case(
    CASES,
    "api-ticket-oversized-body",
    entry="REST API",
    given="a message body of 100,001 characters",
    expect="400 naming body",
    outcome="4xx",
)
def _(w):
    assert_api_error(_post(w, TICKETS, _ticket(body="x" * 100_001)), 400, field="body")


@case(
    CASES,
    "api-malformed-json",
    entry="REST API",
    given="a body that is not JSON, and a JSON array instead of an object",
    expect="400 with the error body",
    outcome="4xx",
)
def _(w):
    assert_api_error(w.api.post(TICKETS, "{not json", content_type="application/json"), 400)
    assert_api_error(w.api.post(TICKETS, "[]", content_type="application/json"), 400)


@case(
    CASES,
    "api-deeply-nested-json",
    entry="REST API",
    given="a lifecycle event whose body nests 100,000 arrays deep",
    expect="400 with the error body (not a recursion crash)",
    outcome="4xx",
)
def _(w):
    nested = '{"data": ' + "[" * 100_000 + "]" * 100_000 + "}"
    assert_api_error(w.api.post(EVENTS, nested, content_type="application/json"), 400)


@case(
    CASES,
    "api-idempotent-redelivery",
    entry="REST API",
    given="the same POST /api/v1/tickets/ sent three times with one Idempotency-Key",
    expect="one ticket; the repeats replay the first answer",
    outcome="once",
)
def _(w):
    before = Ticket.objects.count()
    answers = [
        w.api.post(TICKETS, _ticket(), format="json", HTTP_IDEMPOTENCY_KEY="order-1042") for _ in range(3)
    ]
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert answers[1]["Idempotent-Replayed"] == "true"
    assert len({a.json()["id"] for a in answers}) == 1
    assert Ticket.objects.count() == before + 1


@case(
    CASES,
    "api-idempotency-key-control-characters",
    entry="REST API",
    given="an Idempotency-Key with a tab and a 300-character key",
    expect="400 with the error body; nothing stored",
    outcome="4xx",
)
def _(w):
    before = Ticket.objects.count()
    for key in ("a\tb", "k" * 300):
        assert_api_error(w.api.post(TICKETS, _ticket(), format="json", HTTP_IDEMPOTENCY_KEY=key), 400)
    assert Ticket.objects.count() == before


@case(
    CASES,
    "api-rating-wrong-types",
    entry="REST API",
    given="rating scores '5 stars', 5.5, true, 10**20 and -1",
    expect="400 naming score each time; no rating stored",
    outcome="4xx",
)
def _(w):
    for score in ("5 stars", 5.5, True, 10**20, -1):
        response = _post(w, f"{TICKETS}{w.ticket.pk}/rating/", {"score": score})
        assert_api_error(response, 400, field="score")
    assert not hasattr(Ticket.objects.get(pk=w.ticket.pk), "rating") or True
    assert not Ticket.objects.filter(pk=w.ticket.pk, rating__isnull=False).exists()


@case(
    CASES,
    "api-customer-search-null-byte",
    entry="REST API",
    given="GET /api/v1/customers/?q=%00 and /customers/lookup/?value=%00",
    expect="400 with the error body (PostgreSQL cannot compare NUL)",
    outcome="4xx",
)
def _(w):
    assert_api_error(w.api.get("/api/v1/customers/?q=a%00b"), 400)
    assert_api_error(w.api.get("/api/v1/customers/lookup/?value=a%00b@example.test"), 400)


@case(
    CASES,
    "api-customer-rtl-name",
    entry="REST API",
    given="a customer named 'Dana <U+202E>Levi' with an <img onerror>",
    expect="stored without the override; shown escaped inside dir=auto",
    outcome="isolated",
)
def _(w):
    name = f"Dana {RLO}Levi {IMG_ONERROR}"
    response = _post(w, "/api/v1/customers/", {"display_name": name, "emails": ["dana@example.test"]})
    assert response.status_code == 201
    customer = Customer.objects.get(pk=response.json()["id"])
    assert customer.display_name == f"Dana Levi {IMG_ONERROR}"
    page = w.agent_client.get(f"/customers/{customer.pk}/").content
    assert_isolated(page, text=customer.display_name)
    assert_inert(page, visible=customer.display_name)


@case(
    CASES,
    "api-event-null-byte-in-data",
    entry="REST API",
    given='a lifecycle event with data {"note": "a\\u0000b"}',
    expect="400 naming data (PostgreSQL's jsonb refuses NUL); nothing stored",
    outcome="4xx",
)
def _(w):
    before = TouchpointEvent.objects.count()
    assert_api_error(_post(w, EVENTS, _event(data={"note": "a\x00b"})), 400, field="data")
    assert_api_error(_post(w, EVENTS, _event(data={"k\x00": 1})), 400, field="data")
    assert TouchpointEvent.objects.count() == before


@case(
    CASES,
    "api-event-huge-and-negative-customer",
    entry="REST API",
    given="lifecycle events for customer 10**30 and customer -1",
    expect="400 naming customer",
    outcome="4xx",
)
def _(w):
    for value in (10**30, -1, 2**63):
        payload = {k: v for k, v in _event(customer=value).items() if k != "customer_email"}
        assert_api_error(_post(w, EVENTS, payload), 400, field="customer")


@case(
    CASES,
    "api-event-redelivered-key",
    entry="REST API",
    given="the same lifecycle event (one idempotency_key) posted twice",
    expect="201 then 200 with the same event; stored once",
    outcome="once",
)
def _(w):
    first = _post(w, EVENTS, _event(idempotency_key="order-77"))
    second = _post(w, EVENTS, _event(idempotency_key="order-77"))
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert TouchpointEvent.objects.filter(idempotency_key="order-77").count() == 1


@case(
    CASES,
    "api-event-nonexistent-local-time",
    entry="REST API",
    given="occurred_at 2026-03-29T02:30:00 without offset, TIME_ZONE Europe/Berlin (skipped hour)",
    expect="400 naming occurred_at (the time never happened there)",
    outcome="4xx",
)
def _(w):
    w.settings.TIME_ZONE = "Europe/Berlin"
    assert_api_error(_post(w, EVENTS, _event(occurred_at="2026-03-29T02:30:00")), 400, field="occurred_at")


@case(
    CASES,
    "api-event-ambiguous-local-time",
    entry="REST API",
    given="occurred_at 2026-10-25T02:30:00 without offset (Berlin's repeated hour), then with +01:00",
    expect="400 naming occurred_at for the ambiguous one; the one with an offset stored as 01:30 UTC",
    outcome="correct",
)
def _(w):
    from datetime import UTC, datetime

    w.settings.TIME_ZONE = "Europe/Berlin"
    body = assert_api_error(
        _post(w, EVENTS, _event(occurred_at="2026-10-25T02:30:00")), 400, field="occurred_at"
    )
    assert "give a UTC offset" in body["errors"]["occurred_at"][0]
    response = _post(w, EVENTS, _event(occurred_at="2026-10-25T02:30:00+01:00"))
    assert response.status_code == 201
    stored = TouchpointEvent.objects.get(pk=response.json()["id"])
    assert stored.occurred_at == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


@case(
    CASES,
    "chat-markup-text-and-name",
    entry="chat",
    given="a chat message whose text is <script> and sender name an <img onerror>",
    expect="the ticket page shows both escaped",
    outcome="inert",
)
def _(w):
    response = _post(w, CHAT, _chat(text=SCRIPT, sender={"id": "s1", "name": IMG_ONERROR}))
    assert response.status_code == 201
    ticket = Ticket.objects.get(pk=response.json()["conversation"]["ticket"]["id"])
    ticket.team = w.team
    ticket.save(update_fields=["team"])
    page = w.agent_client.get(f"/tickets/{ticket.reference}/").content
    assert_inert(page, visible=SCRIPT)
    assert_inert(page, visible=IMG_ONERROR)


@case(
    CASES,
    "chat-javascript-attachment-url",
    entry="chat",
    given="an attachment url javascript:alert(1) and one data:text/html,...",
    expect="400 naming attachments; nothing stored",
    outcome="4xx",
)
def _(w):
    before = Message.objects.count()
    for url in ("javascript:alert('hd-xss')", "data:text/html,<script>alert(1)</script>"):
        response = _post(w, CHAT, _chat(attachments=[{"url": url}]))
        assert_api_error(response, 400, field="attachments")
    assert Message.objects.count() == before


@case(
    CASES,
    "chat-attachment-path-and-rtl-name",
    entry="chat",
    given="a base64 attachment named ../../etc/cron.d/x<U+202E>gpj.sh",
    expect="stored as the last name part without the override",
    outcome="isolated",
)
def _(w):
    data = base64.b64encode(b"#!/bin/sh").decode()
    attachment = {"data": data, "filename": f"../../etc/cron.d/x{RLO}gpj.sh"}
    assert _post(w, CHAT, _chat(attachments=[attachment])).status_code == 201
    assert Attachment.objects.latest("pk").filename == "xgpj.sh"


@case(
    CASES,
    "chat-redelivery",
    entry="chat",
    given="one chat message delivered three times (same idempotency_key)",
    expect="201, then 200 with created false; one message, one ticket",
    outcome="once",
)
def _(w):
    before = (Ticket.objects.count(), Message.objects.count())
    codes = [_post(w, CHAT, _chat()).status_code for _ in range(3)]
    assert codes == [201, 200, 200]
    assert (Ticket.objects.count(), Message.objects.count()) == (before[0] + 1, before[1] + 1)


@case(
    CASES,
    "chat-wrong-types-and-nul",
    entry="chat",
    given="sender as a string, attachments as an object, a NUL in conversation_id",
    expect="400 naming each field; nothing stored",
    outcome="4xx",
)
def _(w):
    before = ConversationLink.objects.count()
    assert_api_error(_post(w, CHAT, _chat(sender="Dana")), 400, field="sender")
    assert_api_error(_post(w, CHAT, _chat(attachments={"url": "https://x.test"})), 400, field="attachments")
    assert_api_error(_post(w, CHAT, _chat(conversation_id="wa\x00")), 400, field="conversation_id")
    assert ConversationLink.objects.count() == before


@case(
    CASES,
    "chat-oversized-text-and-file",
    entry="chat",
    given="text of 20,001 characters; a base64 file over the attachment limit",
    expect="400 naming text, then attachments",
    outcome="4xx",
)
def _(w):
    w.settings.TICKETS_MAX_ATTACHMENT_BYTES = 1024
    assert_api_error(_post(w, CHAT, _chat(text="x" * 20_001)), 400, field="text")
    big = {"data": base64.b64encode(b"x" * 2048).decode(), "filename": "big.bin"}
    assert_api_error(_post(w, CHAT, _chat(attachments=[big])), 400, field="attachments")
