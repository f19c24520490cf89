"""Customers, their addresses and ids, merging, and the churn-risk signal from the KPI app."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Case, Max, Min, Q, Value, When
from django.utils import timezone
from django.utils.module_loading import import_string

from accounts.models import AuditEntry
from accounts.services import audit_record
from helpdesk.db import bulk_update_rows

from ..models import (
    Customer,
    CustomerEmail,
    CustomerExternalId,
    CustomerMerge,
    CustomerPhone,
    ExitSurvey,
    Organization,
    StageChange,
    StageCorrection,
    TouchpointEvent,
)
from .history import history_replay, surviving

PHONE_CHARS = re.compile(r"[^\d+]")
# Control characters and the bidi embeddings, overrides and isolates that make a name read
# differently from what it is ("Dana \u202eseliF" shows as "Dana Files").
NAME_SPOOFING = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff]")
UPDATABLE = ("display_name", "organization", "preferred_language", "time_zone", "marketing_consent")


def normalize_email(address: str) -> str:
    address = (address or "").strip().lower()
    validate_email(address)
    return address


def normalize_name(name: str) -> str:
    """A display name on one line, without control or direction-override characters, at most 200 long."""
    return " ".join(NAME_SPOOFING.sub("", name or "").split())[:200]


def normalize_phone(number: str) -> str:
    """Digits with an optional leading +, so that '+1 (555) 010-0000' and '+15550100000' match."""
    digits = PHONE_CHARS.sub("", (number or "").strip())
    digits = digits[0] + digits[1:].replace("+", "") if digits else ""
    if len(digits.lstrip("+")) < 5 or len(digits) > 32:
        raise ValidationError({"number": "Enter a phone number of 5 to 31 digits."})
    return digits


def ensure_not_erased(*customers: Customer) -> None:
    """An erased customer's record takes no new personal data (addresses, ids, names, merges)."""
    for customer in customers:
        if customer.erased_at is not None:
            raise ValidationError(f"Customer #{customer.pk} was erased; their record takes no personal data.")


def customer_find_or_create(*, email: str, name: str = "") -> Customer:
    """The customer who owns `email`, created (with that address) if nobody does."""
    address = normalize_email(email)
    found = CustomerEmail.objects.select_related("customer").filter(address=address).first()
    if found is not None:
        return surviving(found.customer)
    try:
        with transaction.atomic():
            customer = Customer.objects.create(display_name=normalize_name(name))
            CustomerEmail.objects.create(customer=customer, address=address, is_primary=True)
            return customer
    except IntegrityError:
        # Another request created the same address a moment ago.
        return surviving(CustomerEmail.objects.get(address=address).customer)


@transaction.atomic
def customer_update(
    *,
    customer: Customer,
    display_name: str | None = None,
    organization: Organization | None = None,
    preferred_language: str | None = None,
    time_zone: str | None = None,
    marketing_consent: bool | None = None,
    clear_organization: bool = False,
) -> Customer:
    """Change the customer's own fields; arguments left at None keep their value."""
    ensure_not_erased(customer)
    values = {
        "display_name": None if display_name is None else normalize_name(display_name),
        "organization": organization,
        "preferred_language": preferred_language,
        "time_zone": time_zone,
        "marketing_consent": marketing_consent,
    }
    changed = [name for name in UPDATABLE if values[name] is not None]
    for name in changed:
        setattr(customer, name, values[name])
    if clear_organization:
        customer.organization = None
        changed.append("organization")
    if changed:
        customer.full_clean(exclude=["user", "merged_into", "stage", "stage_since"])
        customer.save(update_fields=[*set(changed), "updated_at"])
    return customer


@transaction.atomic
def customer_profile_update(
    *,
    customer: Customer,
    display_name: str,
    emails: list[str],
    phones: list[str],
    external_ids: list[tuple[str, str]],
    organization: str,
    preferred_language: str,
    time_zone: str,
    marketing_consent: bool,
) -> Customer:
    """Set everything a person may edit of a customer: their own fields and the whole lists of
    addresses (the first is the primary one), phone numbers and external ids (source, id). The
    organization is named: an unknown name creates it, an empty one removes it.

    An address or external id that belongs to another customer is refused: the two are the same
    person, and merging them (customer_merge) keeps both histories.
    """
    addresses = list(dict.fromkeys(_in_field("emails", normalize_email, address) for address in emails))
    numbers = list(dict.fromkeys(_in_field("phones", normalize_phone, number) for number in phones))
    ids = list(dict.fromkeys(_external_id(source, external_id) for source, external_id in external_ids))
    _refuse_taken(customer=customer, addresses=addresses, ids=ids)
    _set_emails(customer=customer, addresses=addresses)
    CustomerPhone.objects.filter(customer=customer).exclude(number__in=numbers).delete()
    known = set(CustomerPhone.objects.filter(customer=customer).values_list("number", flat=True))
    CustomerPhone.objects.bulk_create(
        CustomerPhone(customer=customer, number=n) for n in numbers if n not in known
    )
    _set_external_ids(customer=customer, ids=ids)
    organization = organization.strip()
    return customer_update(
        customer=customer,
        display_name=display_name,
        organization=organization_get_or_create(name=organization) if organization else None,
        clear_organization=not organization,
        preferred_language=preferred_language.strip(),
        time_zone=time_zone.strip(),
        marketing_consent=marketing_consent,
    )


def organization_get_or_create(*, name: str) -> Organization:
    name = name.strip()[:200]
    found = Organization.objects.filter(name__iexact=name).first()
    return found or Organization.objects.create(name=name)


def _in_field(field: str, normalize, value: str) -> str:
    try:
        return normalize(value)
    except ValidationError as error:
        raise ValidationError({field: f"{value}: {' '.join(error.messages)}"}) from error


def _external_id(source: str, external_id: str) -> tuple[str, str]:
    source, external_id = (source or "").strip().lower(), (external_id or "").strip()
    if not source or not external_id or len(source) > 64 or len(external_id) > 255:
        raise ValidationError({"external_ids": "Give a source (64 characters at most) and an id."})
    return source, external_id


def _refuse_taken(*, customer: Customer, addresses: list[str], ids: list[tuple[str, str]]) -> None:
    errors: dict[str, list[str]] = {}
    taken = CustomerEmail.objects.filter(address__in=addresses).exclude(customer=customer)
    for address, owner, name in taken.values_list("address", "customer_id", "customer__display_name"):
        errors.setdefault("emails", []).append(_merge_hint(f"{address} belongs to", owner, name))
    wanted = Q(pk__in=[])
    for source, external_id in ids:
        wanted |= Q(source=source, external_id=external_id)
    taken_ids = CustomerExternalId.objects.filter(wanted).exclude(customer=customer)
    for source, external_id, owner, name in taken_ids.values_list(
        "source", "external_id", "customer_id", "customer__display_name"
    ):
        errors.setdefault("external_ids", []).append(
            _merge_hint(f"{source}:{external_id} belongs to", owner, name)
        )
    if errors:
        raise ValidationError(errors)


def _merge_hint(what: str, owner: int, name: str) -> str:
    who = f"customer #{owner}" + (f" ({name})" if name else "")
    return f"{what} {who}. If they are the same person, merge #{owner} into this customer instead."


def _set_emails(*, customer: Customer, addresses: list[str]) -> None:
    CustomerEmail.objects.filter(customer=customer).exclude(address__in=addresses).delete()
    known = set(CustomerEmail.objects.filter(customer=customer).values_list("address", flat=True))
    CustomerEmail.objects.bulk_create(
        CustomerEmail(customer=customer, address=address) for address in addresses if address not in known
    )
    if addresses:
        CustomerEmail.objects.filter(customer=customer).update(
            is_primary=Case(When(address=addresses[0], then=Value(True)), default=Value(False))
        )


def _set_external_ids(*, customer: Customer, ids: list[tuple[str, str]]) -> None:
    current = set(CustomerExternalId.objects.filter(customer=customer).values_list("source", "external_id"))
    gone = current - set(ids)
    if gone:
        match = Q(pk__in=[])
        for source, external_id in gone:
            match |= Q(source=source, external_id=external_id)
        CustomerExternalId.objects.filter(match, customer=customer).delete()
    CustomerExternalId.objects.bulk_create(
        CustomerExternalId(customer=customer, source=source, external_id=external_id)
        for source, external_id in ids
        if (source, external_id) not in current
    )


@transaction.atomic
def customer_email_add(*, customer: Customer, address: str, primary: bool = False) -> CustomerEmail:
    ensure_not_erased(customer)
    address = normalize_email(address)
    owner = CustomerEmail.objects.filter(address=address).values_list("customer_id", flat=True).first()
    if owner is not None:
        raise ValidationError({"address": f"{address} already belongs to customer {owner}."})
    if primary:
        CustomerEmail.objects.filter(customer=customer).update(is_primary=False)
    is_primary = primary or not customer.emails.exists()
    return CustomerEmail.objects.create(customer=customer, address=address, is_primary=is_primary)


@transaction.atomic
def customer_email_remove(*, customer: Customer, address: str) -> None:
    email = CustomerEmail.objects.filter(customer=customer, address=(address or "").strip().lower()).first()
    if email is None:
        raise ValidationError({"address": "The customer has no such address."})
    email.delete()
    if email.is_primary:
        successor = customer.emails.order_by("pk").first()
        if successor is not None:
            CustomerEmail.objects.filter(pk=successor.pk).update(is_primary=True)


@transaction.atomic
def customer_phone_add(*, customer: Customer, number: str) -> CustomerPhone:
    ensure_not_erased(customer)
    number = normalize_phone(number)
    existing = CustomerPhone.objects.filter(customer=customer, number=number).first()
    return existing or CustomerPhone.objects.create(customer=customer, number=number)


@transaction.atomic
def customer_phone_remove(*, customer: Customer, number: str) -> None:
    deleted, _ = CustomerPhone.objects.filter(customer=customer, number=normalize_phone(number)).delete()
    if not deleted:
        raise ValidationError({"number": "The customer has no such phone number."})


@transaction.atomic
def customer_external_id_add(*, customer: Customer, source: str, external_id: str) -> CustomerExternalId:
    ensure_not_erased(customer)
    source, external_id = (source or "").strip().lower(), (external_id or "").strip()
    if not source or not external_id or len(source) > 64 or len(external_id) > 255:
        raise ValidationError({"external_id": "Give a source (64 characters at most) and an id."})
    owner = (
        CustomerExternalId.objects.filter(source=source, external_id=external_id)
        .values_list("customer_id", flat=True)
        .first()
    )
    if owner is not None:
        raise ValidationError({"external_id": f"{source}:{external_id} already belongs to customer {owner}."})
    return CustomerExternalId.objects.create(customer=customer, source=source, external_id=external_id)


@transaction.atomic
def customer_external_id_remove(*, customer: Customer, source: str, external_id: str) -> None:
    deleted, _ = CustomerExternalId.objects.filter(
        customer=customer, source=(source or "").strip().lower(), external_id=(external_id or "").strip()
    ).delete()
    if not deleted:
        raise ValidationError({"external_id": "The customer has no such external id."})


def customer_set_churn_risk(*, customer: Customer, score: float, reasons: list[str]) -> None:
    """Store the churn-risk score computed by the KPI workers (0 = none, 1 = high)."""
    if not 0.0 <= score <= 1.0:
        raise ValidationError("A churn-risk score lies between 0 and 1.")
    Customer.objects.filter(pk=customer.pk).update(churn_risk_score=score, churn_risk_reasons=list(reasons))


# Rows per UPDATE of customers_set_churn_risk: big enough to be few, small enough to plan quickly.
RISK_BATCH = 20_000


def customers_set_churn_risk(*, scores: dict[int, tuple[float, list[str]]]) -> int:
    """Store many churn-risk scores at once (the KPI workers' full runs): {customer id: (score,
    reasons)}. Set-based, a statement per RISK_BATCH customers; returns how many rows changed."""
    for score, _ in scores.values():
        if not 0.0 <= score <= 1.0:
            raise ValidationError("A churn-risk score lies between 0 and 1.")
    customers = [
        Customer(pk=pk, churn_risk_score=score, churn_risk_reasons=list(reasons))
        for pk, (score, reasons) in sorted(scores.items())
    ]
    return sum(
        bulk_update_rows(customers[start : start + RISK_BATCH], ["churn_risk_score", "churn_risk_reasons"])
        for start in range(0, len(customers), RISK_BATCH)
    )


def merge_handlers() -> list:
    """Callables `handler(*, source, target)` of apps above lifecycle, run inside customer_merge."""
    return [import_string(path) for path in getattr(settings, "LIFECYCLE_MERGE_HANDLERS", [])]


@transaction.atomic
def customer_merge(*, source: Customer, target: Customer, by) -> Customer:
    """Fold `source` into `target`: addresses, ids, events, corrections, surveys and (through the
    merge handlers) other apps' rows move to the target, whose history is replayed over the
    combined events. The source's history is superseded, never deleted; it points to the target.
    """
    locked = {c.pk: c for c in Customer.objects.select_for_update().filter(pk__in=[source.pk, target.pk])}
    if source.pk == target.pk:
        raise ValidationError("A customer cannot be merged into itself.")
    if len(locked) != 2 or any(c.merged_into_id for c in locked.values()):
        raise ValidationError("Both customers must exist and not be merged already.")
    source, target = locked[source.pk], locked[target.pk]
    ensure_not_erased(source, target)
    since = _earliest_input(source)
    _move_contacts(source=source, target=target)
    TouchpointEvent.objects.filter(customer=source).update(customer=target)
    StageCorrection.objects.filter(customer=source).update(customer=target)
    ExitSurvey.objects.filter(customer=source).update(customer=target)
    for handler in merge_handlers():
        handler(source=source, target=target)
    now = timezone.now()
    StageChange.objects.filter(customer=source, superseded_at__isnull=True).update(superseded_at=now)
    _absorb_fields(source=source, target=target)
    Customer.objects.filter(pk=source.pk).update(
        merged_into=target, stage=None, stage_since=None, user=None, updated_at=now
    )
    merge = CustomerMerge.objects.create(
        source=source, target=target, by=by if getattr(by, "pk", None) else None
    )
    if since is not None:
        history_replay(customer=target, since=since, now=now)
    audit_record(
        action=AuditEntry.Action.CUSTOMER_MERGED,
        actor=by,
        target=target,
        details={"source": source.pk, "target": target.pk, "merge": merge.pk},
    )
    return target


def _earliest_input(customer: Customer):
    first_event = TouchpointEvent.objects.filter(customer=customer).aggregate(t=Min("occurred_at"))["t"]
    first_fix = StageCorrection.objects.filter(customer=customer).aggregate(t=Min("occurred_at"))["t"]
    times = [t for t in (first_event, first_fix) if t is not None]
    return min(times) if times else None


def _move_contacts(*, source: Customer, target: Customer) -> None:
    CustomerEmail.objects.filter(customer=source).update(customer=target, is_primary=False)
    if not CustomerEmail.objects.filter(customer=target, is_primary=True).exists():
        first = CustomerEmail.objects.filter(customer=target).order_by("pk").first()
        if first is not None:
            CustomerEmail.objects.filter(pk=first.pk).update(is_primary=True)
    known = set(CustomerPhone.objects.filter(customer=target).values_list("number", flat=True))
    CustomerPhone.objects.filter(customer=source, number__in=known).delete()
    CustomerPhone.objects.filter(customer=source).update(customer=target)
    CustomerExternalId.objects.filter(customer=source).update(customer=target)


def _absorb_fields(*, source: Customer, target: Customer) -> None:
    """Fill the target's blanks from the source; the target's own values win."""
    fields = {}
    for name in ("display_name", "preferred_language", "time_zone"):
        if not getattr(target, name) and getattr(source, name):
            fields[name] = getattr(source, name)
    if target.organization_id is None and source.organization_id is not None:
        fields["organization_id"] = source.organization_id
    if target.user_id is None and source.user_id is not None:
        fields["user_id"] = source.user_id
    last = TouchpointEvent.objects.filter(customer=target).aggregate(t=Max("occurred_at"))["t"]
    if last is not None:
        fields["last_activity_at"] = last
    if fields.get("user_id"):
        Customer.objects.filter(pk=source.pk).update(user=None)
    if fields:
        Customer.objects.filter(pk=target.pk).update(**fields)
        for name, value in fields.items():
            setattr(target, name, value)
