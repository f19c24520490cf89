"""Register endpoints, fan events out into delivery rows, and attempt deliveries."""

import json
import logging
import urllib.error
import urllib.request
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import AuditEntry
from accounts.services import audit_record
from lifecycle.models import ERASED_TEXT, StageChange, erased_name
from tickets.models import Ticket, TicketEvent

from . import signing
from .models import Cursor, Delivery, Endpoint, EventType, new_secret
from .payloads import stage_change_payload, ticket_event_payload
from .targets import target_check

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
TIMEOUT_SECONDS = 5
BATCH = 1000
USER_AGENT = "Helpdesk-Webhooks/1.0"


def _clean_events(events: list[str]) -> list[str]:
    events = sorted(set(events))
    unknown = [e for e in events if e not in EventType.values]
    if unknown or not events:
        raise ValidationError({"events": f"Choose one or more of: {', '.join(EventType.values)}."})
    return events


@transaction.atomic
def endpoint_create(*, url: str, events: list[str], by=None, description: str = "") -> Endpoint:
    target_check(url)
    endpoint = Endpoint.objects.create(
        url=url, events=_clean_events(events), description=description, created_by=by
    )
    audit_record(
        action=AuditEntry.Action.WEBHOOK_CHANGED,
        actor=by,
        target=endpoint,
        details={"change": "created", "events": endpoint.events},
    )
    return endpoint


@transaction.atomic
def endpoint_update(
    *, endpoint: Endpoint, events: list[str], is_active: bool, description: str = "", by=None
) -> Endpoint:
    endpoint.events = _clean_events(events)
    endpoint.is_active = is_active
    endpoint.description = description
    endpoint.save(update_fields=["events", "is_active", "description"])
    audit_record(
        action=AuditEntry.Action.WEBHOOK_CHANGED,
        actor=by,
        target=endpoint,
        details={"change": "updated", "events": endpoint.events, "active": is_active},
    )
    return endpoint


@transaction.atomic
def endpoint_rotate_secret(*, endpoint: Endpoint, by=None) -> Endpoint:
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret"])
    audit_record(
        action=AuditEntry.Action.WEBHOOK_CHANGED,
        actor=by,
        target=endpoint,
        details={"change": "secret rotated"},
    )
    return endpoint


def _locked_cursor(stream: str) -> Cursor:
    Cursor.objects.get_or_create(stream=stream)
    return Cursor.objects.select_for_update().get(stream=stream)


def _fan_out(stream: str, rows, to_payload) -> int:
    """Deliveries for `rows` (already ordered by id) to every endpoint that wants their type."""
    cursor = _locked_cursor(stream)
    rows = list(rows.filter(id__gt=cursor.last_id).order_by("id")[:BATCH])
    if not rows:
        return 0
    endpoints = list(Endpoint.objects.filter(is_active=True))
    now = timezone.now()
    deliveries = []
    for row in rows:
        built = to_payload(row)
        if built is None:
            continue
        event_type, data = built
        key = f"{stream}:{row.pk}"
        body = {"id": key, "type": event_type, "created_at": now.isoformat(), "data": data}
        deliveries += [
            Delivery(endpoint=e, event_type=event_type, event_key=key, payload=body, next_attempt_at=now)
            for e in endpoints
            if event_type in e.events
        ]
    Delivery.objects.bulk_create(deliveries, ignore_conflicts=True)
    cursor.last_id = rows[-1].pk
    cursor.save(update_fields=["last_id", "updated_at"])
    return len(deliveries)


@transaction.atomic
def deliveries_fan_out() -> int:
    """Turn new ticket-log rows and stage changes into delivery rows; safe to run concurrently."""
    created = _fan_out(
        "ticket-event",
        TicketEvent.objects.select_related(
            "ticket__customer", "ticket__team", "ticket__assignee", "actor", "message__author"
        ),
        ticket_event_payload,
    )
    created += _fan_out(
        "stage-change",
        StageChange.objects.filter(superseded_at__isnull=True).select_related("customer"),
        stage_change_payload,
    )
    return created


def deliveries_due(*, limit: int = 500) -> list[int]:
    states = [Delivery.State.PENDING, Delivery.State.FAILED]
    return list(
        Delivery.objects.filter(state__in=states, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min ... capped at 2 hours."""
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 7200))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect could point inside our network: treat it as the answer


_opener = urllib.request.build_opener(_NoRedirect)


def _post(endpoint: Endpoint, delivery: Delivery) -> tuple[int, str]:
    body = json.dumps(delivery.payload, cls=DjangoJSONEncoder, separators=(",", ":")).encode()
    request = urllib.request.Request(  # noqa: S310 - scheme checked by target_check
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "Helpdesk-Event": delivery.event_type,
            "Helpdesk-Delivery": str(delivery.pk),
            signing.HEADER: signing.sign(secret=endpoint.secret, body=body),
        },
    )
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status, response.read(2000).decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(2000).decode(errors="replace")


def delivery_attempt(*, delivery: Delivery) -> Delivery:
    """Send one delivery now; record the outcome and when to retry. Sending twice is harmless for
    receivers that dedupe on the event id, and a delivery already done is not sent again."""
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().select_related("endpoint").get(pk=delivery.pk)
        if (
            delivery.state in (Delivery.State.SUCCEEDED, Delivery.State.DEAD)
            or not delivery.endpoint.is_active
        ):
            return delivery
        delivery.attempts += 1
        # Claim it for a while, so that the sweep does not send it again meanwhile.
        delivery.next_attempt_at = timezone.now() + timedelta(seconds=TIMEOUT_SECONDS * 6)
        delivery.save(update_fields=["attempts", "next_attempt_at"])
    status, text, error = None, "", ""
    try:
        target_check(delivery.endpoint.url)
        status, text = _post(delivery.endpoint, delivery)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    except (OSError, ValueError) as exc:
        error = f"{type(exc).__name__}: {exc}"
    delivery.last_status_code, delivery.last_response, delivery.last_error = status, text, error[:2000]
    if status is not None and 200 <= status < 300:
        delivery.state, delivery.delivered_at, delivery.next_attempt_at = (
            Delivery.State.SUCCEEDED,
            timezone.now(),
            None,
        )
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.state, delivery.next_attempt_at = Delivery.State.DEAD, None
    else:
        delivery.state = Delivery.State.FAILED
        delivery.next_attempt_at = timezone.now() + backoff(delivery.attempts)
    delivery.save(
        update_fields=[
            "last_status_code",
            "last_response",
            "last_error",
            "state",
            "delivered_at",
            "next_attempt_at",
        ]
    )
    return delivery


def delivery_resend(*, delivery: Delivery) -> Delivery:
    """Send a delivery again (from the UI), whatever its state; attempts start over."""
    from .tasks import webhook_deliver

    delivery.state, delivery.attempts, delivery.next_attempt_at = Delivery.State.PENDING, 0, timezone.now()
    delivery.save(update_fields=["state", "attempts", "next_attempt_at"])
    webhook_deliver.delay_on_commit(delivery.pk)
    return delivery


@transaction.atomic
def customer_deliveries_erase(*, customer, customer_ids: list[int], addresses: list[str]) -> dict:
    """Blank a customer's name, address and words in the stored payloads (a LIFECYCLE_ERASE_HANDLERS
    entry). A delivery still to be sent goes out with the blanked payload."""
    ticket_ids = list(Ticket.objects.filter(customer_id__in=customer_ids).values_list("pk", flat=True))
    filters = [Q(payload__data__customer__id__in=customer_ids)]
    filters += [
        Q(payload__data__ticket__id__in=ticket_ids[start : start + BATCH])
        for start in range(0, len(ticket_ids), BATCH)
    ]
    found: dict[int, Delivery] = {}
    for condition in filters:
        found.update(
            (d.pk, d) for d in Delivery.objects.filter(condition).only("id", "payload", "last_response")
        )
    for delivery in found.values():
        _payload_erase(delivery.payload.get("data") or {})
        # A receiver's answer may echo what it was sent; the status code is what the log needs.
        delivery.last_response = ""
    Delivery.objects.bulk_update(found.values(), ["payload", "last_response"], batch_size=BATCH)
    return {"webhook_deliveries": len(found)}


def _payload_erase(data: dict) -> None:
    ticket = data.get("ticket") if isinstance(data.get("ticket"), dict) else {}
    if ticket:
        ticket.update(subject=ERASED_TEXT, requester_email="")
    if isinstance(data.get("message"), dict):
        data["message"]["body_text"] = ERASED_TEXT
    for customer in (data.get("customer"), ticket.get("customer")):
        if isinstance(customer, dict):
            customer["name"] = erased_name(customer.get("id"))
