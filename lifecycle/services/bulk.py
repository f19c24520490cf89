"""Many touchpoints at once (the API's bulk endpoint): one insert, one replay per customer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import Customer, CustomerEmail, Organization, TouchpointEvent
from .customers import customer_find_or_create, normalize_email
from .history import _lock, _validate_event, history_replay, surviving


@dataclass(frozen=True)
class EventInput:
    customer: Customer
    type: str
    occurred_at: datetime
    source: str
    idempotency_key: str = ""
    value: Decimal | None = None
    data: dict | None = None


@dataclass
class BulkResult:
    created: list[TouchpointEvent]
    duplicates: list[TouchpointEvent]


@transaction.atomic
def touchpoints_record_bulk(*, events: list[EventInput]) -> BulkResult:
    """Record events like touchpoint_record would one by one, with the same history in the end.

    Events whose (source, idempotency_key) is already recorded (or repeated in the batch) are
    returned as duplicates and change nothing.
    """
    for event in events:
        _validate_event(
            type=event.type,
            occurred_at=event.occurred_at,
            source=event.source,
            idempotency_key=event.idempotency_key,
        )
    keyed = {(e.source, e.idempotency_key) for e in events if e.idempotency_key}
    by_source: dict[str, list[str]] = {}
    for source, key in keyed:
        by_source.setdefault(source, []).append(key)
    existing = {
        (e.source, e.idempotency_key): e
        for source, keys in by_source.items()
        for e in TouchpointEvent.objects.filter(source=source, idempotency_key__in=keys)
    }
    fresh, duplicates, seen = [], [], set(existing)
    for event in events:
        key = (event.source, event.idempotency_key)
        if event.idempotency_key and key in seen:
            if key in existing:
                duplicates.append(existing[key])
            continue
        seen.add(key)
        fresh.append(event)
    customers = {c.pk: c for c in (surviving(e.customer) for e in fresh)}
    for pk in sorted(customers):  # a fixed lock order: two bulk posts never deadlock
        customers[pk] = _lock(customers[pk])
    rows = [
        TouchpointEvent(
            customer=customers[surviving(e.customer).pk],
            type=e.type,
            occurred_at=e.occurred_at,
            source=e.source,
            idempotency_key=e.idempotency_key,
            value=e.value,
            data=e.data or {},
        )
        for e in fresh
    ]
    created = TouchpointEvent.objects.bulk_create(rows)
    earliest: dict[int, datetime] = {}
    for row in rows:
        earliest[row.customer_id] = min(earliest.get(row.customer_id, row.occurred_at), row.occurred_at)
    for pk, since in earliest.items():
        history_replay(customer=customers[pk], since=since)
    return BulkResult(created=created, duplicates=duplicates)


@transaction.atomic
def customer_create(
    *,
    display_name: str = "",
    emails: list[str] = (),
    phones: list[str] = (),
    external_ids: list[dict] = (),
    organization: str | None = None,
    preferred_language: str = "",
    time_zone: str = "",
    marketing_consent: bool = False,
) -> Customer:
    """A new customer; refuses addresses or external ids that already belong to someone."""
    from .customers import customer_external_id_add, customer_phone_add

    addresses = list(dict.fromkeys(normalize_email(a) for a in emails))  # once each, in order
    taken = list(CustomerEmail.objects.filter(address__in=addresses).values_list("address", flat=True))
    if taken:
        raise ValidationError({"emails": f"Already a customer's address: {', '.join(sorted(taken))}."})
    if addresses:
        customer = customer_find_or_create(email=addresses[0], name=display_name)
        for address in addresses[1:]:
            CustomerEmail.objects.create(customer=customer, address=address)
    else:
        customer = Customer.objects.create(display_name=display_name.strip()[:200])
    for number in phones:
        customer_phone_add(customer=customer, number=number)
    for external in external_ids:
        customer_external_id_add(
            customer=customer, source=external["source"], external_id=external["external_id"]
        )
    customer.preferred_language, customer.time_zone = preferred_language, time_zone
    customer.marketing_consent = marketing_consent
    if organization:
        customer.organization = organization_get_or_create(name=organization)
    customer.save()
    return customer


def organization_get_or_create(*, name: str) -> Organization:
    name = name.strip()[:200]
    found = Organization.objects.filter(name__iexact=name).first()
    return found or Organization.objects.create(name=name)
