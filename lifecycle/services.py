"""Writes to lifecycle data. Other apps call these; nothing else writes these tables."""

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string

from .models import Customer, CustomerEmail, TouchpointEvent


def normalize_email(address: str) -> str:
    address = (address or "").strip().lower()
    validate_email(address)
    return address


def customer_find_or_create(*, email: str, name: str = "") -> Customer:
    """The customer who owns `email`, created (with that address) if nobody does."""
    address = normalize_email(email)
    found = CustomerEmail.objects.select_related("customer").filter(address=address).first()
    if found is not None:
        return _surviving(found.customer)
    try:
        with transaction.atomic():
            customer = Customer.objects.create(display_name=(name or "").strip()[:200])
            CustomerEmail.objects.create(customer=customer, address=address, is_primary=True)
            return customer
    except IntegrityError:
        # Another request created the same address a moment ago.
        return _surviving(CustomerEmail.objects.get(address=address).customer)


def _surviving(customer: Customer) -> Customer:
    seen = set()
    while customer.merged_into_id and customer.pk not in seen:
        seen.add(customer.pk)
        customer = customer.merged_into
    return customer


@transaction.atomic
def touchpoint_record(
    *,
    customer: Customer,
    type: str,
    occurred_at: datetime,
    source: str = "helpdesk",
    idempotency_key: str = "",
    value: Decimal | None = None,
    data: dict | None = None,
) -> TouchpointEvent:
    """Record one touchpoint; a repeated (source, idempotency_key) returns the first and records nothing."""
    if idempotency_key:
        existing = TouchpointEvent.objects.filter(source=source, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            event = TouchpointEvent.objects.create(
                customer=customer,
                type=type,
                occurred_at=occurred_at,
                source=source,
                idempotency_key=idempotency_key,
                value=value,
                data=data or {},
            )
    except IntegrityError:
        return TouchpointEvent.objects.get(source=source, idempotency_key=idempotency_key)
    if customer.last_activity_at is None or occurred_at > customer.last_activity_at:
        Customer.objects.filter(pk=customer.pk).update(last_activity_at=occurred_at)
        customer.last_activity_at = occurred_at
    return event


def customer_set_churn_risk(*, customer: Customer, score: float, reasons: list[str]) -> None:
    """Store the churn-risk score computed by the KPI workers (0 = none, 1 = high)."""
    if not 0.0 <= score <= 1.0:
        raise ValidationError("A churn-risk score lies between 0 and 1.")
    Customer.objects.filter(pk=customer.pk).update(churn_risk_score=score, churn_risk_reasons=list(reasons))


def merge_handlers() -> list:
    """Callables `handler(*, source, target)` of apps above lifecycle, run inside customer_merge."""
    return [import_string(path) for path in getattr(settings, "LIFECYCLE_MERGE_HANDLERS", [])]
