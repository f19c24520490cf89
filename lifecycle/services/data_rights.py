"""Data-rights requests about one customer: export everything we hold about them, or erase it.

Apps above lifecycle hold part of a customer's data (tickets, messages, webhook payloads). They
take part through callables named in settings, as the merge handlers do, so that lifecycle
imports nothing above it:

- LIFECYCLE_EXPORT_PROVIDERS: `provider(*, customer, customer_ids) -> dict` of export sections;
- LIFECYCLE_ERASE_HANDLERS: `handler(*, customer, customer_ids, addresses) -> dict` of counts,
  run inside the erasure's transaction.

Erasure anonymises and never deletes a row a KPI counts: tickets, messages (kind, sender, time),
events with their values, stage history and rating scores stay, so every figure over any range is
the same afterwards. Names, addresses, phone numbers, external ids and free text are removed or
replaced by a tombstone, and the customer can no longer be found by any of them.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.module_loading import import_string

from accounts.models import AuditEntry
from accounts.services import audit_record, user_anonymize
from mail.selectors import emails_written_to
from mail.services import outbound_emails_erase

from ..models import (
    ERASED_NAME_PREFIX,
    ERASED_TEXT,
    Customer,
    CustomerEmail,
    CustomerExternalId,
    CustomerPhone,
    ExitSurvey,
    StageChange,
    StageCorrection,
    TouchpointEvent,
)

EXPORT_FORMAT = "helpdesk.customer-export/1"
# Keys of a touchpoint's data that the rules and our own intake read; the rest is the
# integration's own and may be personal, so erasure drops it.
EVENT_DATA_KEPT = ("score", "ticket", "channel", "direction")
MAX_MERGE_DEPTH = 10


def export_providers() -> list:
    return [import_string(path) for path in getattr(settings, "LIFECYCLE_EXPORT_PROVIDERS", [])]


def erase_handlers() -> list:
    return [import_string(path) for path in getattr(settings, "LIFECYCLE_ERASE_HANDLERS", [])]


def customer_ids_merged(customer: Customer) -> list[int]:
    """The customer and every customer (transitively) merged into it: one person's records."""
    ids, frontier = [customer.pk], [customer.pk]
    for _ in range(MAX_MERGE_DEPTH):
        frontier = list(Customer.objects.filter(merged_into__in=frontier).values_list("pk", flat=True))
        if not frontier:
            break
        ids.extend(frontier)
    return ids


def _surviving_only(customer: Customer) -> None:
    if customer.merged_into_id:
        raise ValidationError(
            f"Customer #{customer.pk} was merged into customer #{customer.merged_into_id}; "
            "use that customer, who holds all of their data."
        )


@transaction.atomic
def customer_export(
    *, customer: Customer, by: AbstractBaseUser | None, ip_address: str | None = None
) -> dict:
    """Everything we hold about `customer` as one JSON-ready document; the export is audited."""
    _surviving_only(customer)
    ids = customer_ids_merged(customer)
    document = {
        "format": EXPORT_FORMAT,
        "exported_at": timezone.now().isoformat(),
        "exported_by": by.get_username() if by is not None else None,
        **_lifecycle_sections(customer, ids),
    }
    for provider in export_providers():
        document.update(provider(customer=customer, customer_ids=ids))
    audit_record(
        action=AuditEntry.Action.EXPORT,
        actor=by,
        target=customer,
        details={
            "what": "customer data",
            "rows": {k: len(v) for k, v in document.items() if isinstance(v, list)},
        },
        ip_address=ip_address,
    )
    return document


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _lifecycle_sections(customer: Customer, ids: list[int]) -> dict:
    customer = (
        Customer.objects.select_related("organization", "user")
        .prefetch_related("emails", "phones", "external_ids")
        .get(pk=customer.pk)
    )
    addresses = [e.address for e in customer.emails.all()]
    return {
        "customer": _customer_section(customer),
        "portal_account": _portal_account(customer.user),
        "emails": [
            {"address": e.address, "is_primary": e.is_primary, "added_at": _iso(e.created_at)}
            for e in customer.emails.all()
        ],
        "phones": [p.number for p in customer.phones.all()],
        "external_ids": [
            {"source": x.source, "external_id": x.external_id} for x in customer.external_ids.all()
        ],
        "merged_customers": [
            {"id": c.pk, "display_name": c.display_name, "created_at": _iso(c.created_at)}
            for c in Customer.objects.filter(pk__in=ids).exclude(pk=customer.pk).order_by("pk")
        ],
        "stage_history": _stage_history(ids),
        "stage_corrections": [
            {"to_stage": c.to_stage, "occurred_at": _iso(c.occurred_at), "reason": c.reason}
            for c in StageCorrection.objects.filter(customer_id__in=ids).order_by("occurred_at", "pk")
        ],
        "touchpoints": _touchpoints(ids),
        "exit_surveys": _exit_surveys(ids),
        "emails_sent": _emails_sent(addresses),
    }


def _customer_section(customer: Customer) -> dict:
    organization = customer.organization
    return {
        "id": customer.pk,
        "display_name": customer.display_name,
        "organization": {"name": organization.name, "domain": organization.domain} if organization else None,
        "preferred_language": customer.preferred_language,
        "time_zone": customer.time_zone,
        "marketing_consent": customer.marketing_consent,
        "stage": customer.stage,
        "stage_since": _iso(customer.stage_since),
        "churn_risk": {"score": customer.churn_risk_score, "reasons": customer.churn_risk_reasons},
        "last_activity_at": _iso(customer.last_activity_at),
        "created_at": _iso(customer.created_at),
        "erased_at": _iso(customer.erased_at),
    }


def _portal_account(user) -> dict | None:
    if user is None:
        return None
    return {
        "username": user.get_username(),
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "date_joined": _iso(user.date_joined),
        "last_login": _iso(user.last_login),
        "is_active": user.is_active,
    }


def _stage_history(ids: list[int]) -> list[dict]:
    changes = StageChange.objects.filter(customer_id__in=ids, superseded_at__isnull=True)
    return [
        {
            "from_stage": c.from_stage,
            "to_stage": c.to_stage,
            "occurred_at": _iso(c.occurred_at),
            "cause": c.cause,
            "reason": c.reason,
        }
        for c in changes.order_by("occurred_at", "pk")
    ]


def _touchpoints(ids: list[int]) -> list[dict]:
    return [
        {
            "type": e.type,
            "occurred_at": _iso(e.occurred_at),
            "source": e.source,
            "value": str(e.value) if e.value is not None else None,
            "data": e.data,
            "recorded_at": _iso(e.recorded_at),
        }
        for e in TouchpointEvent.objects.filter(customer_id__in=ids).order_by("occurred_at", "pk")
    ]


def _exit_surveys(ids: list[int]) -> list[dict]:
    return [
        {
            "churned_at": _iso(s.churned_at),
            "expires_at": _iso(s.expires_at),
            "answered_at": _iso(s.answered_at),
            "reason": s.reason,
            "comment": s.comment,
        }
        for s in ExitSurvey.objects.filter(customer_id__in=ids).order_by("pk")
    ]


def _emails_sent(addresses: list[str]) -> list[dict]:
    """What we emailed them, without bodies (a sign-in link must not leave in an export)."""
    return [
        {
            "to": e.to,
            "subject": e.subject,
            "state": e.state,
            "queued_at": _iso(e.created_at),
            "sent_at": _iso(e.sent_at),
        }
        for e in emails_written_to(addresses=addresses).order_by("pk")
    ]


@transaction.atomic
def customer_erase(
    *, customer: Customer, by: AbstractBaseUser | None, reason: str, ip_address: str | None = None
) -> Customer:
    """Erase the customer's personal data for good (see the module docstring); audited once.

    Erasing an erased customer changes nothing. A customer merged into another is refused: the
    survivor holds their data and is the one to erase.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the customer is erased (for example, their request)."})
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    _surviving_only(customer)
    if customer.erased_at is not None:
        return customer
    ids = customer_ids_merged(customer)
    addresses = list(CustomerEmail.objects.filter(customer_id__in=ids).values_list("address", flat=True))
    counts: dict[str, int] = {}
    for handler in erase_handlers():
        counts.update(handler(customer=customer, customer_ids=ids, addresses=addresses))
    counts.update(_lifecycle_erase(ids))
    counts["emails_sent"] = outbound_emails_erase(addresses=addresses)
    counts["portal_account"] = int(customer.user is not None and user_anonymize(user=customer.user))
    now = timezone.now()
    _anonymise(Customer.objects.filter(pk__in=ids), now=now)
    audit_record(
        action=AuditEntry.Action.CUSTOMER_ERASED,
        actor=by,
        target=customer,
        details={"reason": reason[:500], "customers": ids, "erased": counts},
        ip_address=ip_address,
    )
    customer.refresh_from_db()
    return customer


def _lifecycle_erase(ids: list[int]) -> dict:
    now = timezone.now()
    surveys = ExitSurvey.objects.filter(customer_id__in=ids)
    surveys.filter(answered_at__isnull=True, expires_at__gt=now).update(expires_at=now)
    return {
        "emails": CustomerEmail.objects.filter(customer_id__in=ids).delete()[0],
        "phones": CustomerPhone.objects.filter(customer_id__in=ids).delete()[0],
        "external_ids": CustomerExternalId.objects.filter(customer_id__in=ids).delete()[0],
        "survey_comments": surveys.exclude(comment="").update(comment=ERASED_TEXT),
        "touchpoint_data": _event_data_erase(TouchpointEvent.objects.filter(customer_id__in=ids)),
    }


def _event_data_erase(events: QuerySet[TouchpointEvent]) -> int:
    """Keep only the keys the rules read (an NPS score) and our own ticket link."""
    changed = []
    for event in events.exclude(data={}).only("id", "data"):
        kept = {k: v for k, v in event.data.items() if k in EVENT_DATA_KEPT}
        if kept != event.data:
            event.data = kept
            changed.append(event)
    TouchpointEvent.objects.bulk_update(changed, ["data"], batch_size=500)
    return len(changed)


def _anonymise(customers: QuerySet[Customer], *, now) -> None:
    customers.update(
        display_name=Concat(Value(ERASED_NAME_PREFIX), Cast("id", CharField())),
        organization=None,
        preferred_language="",
        time_zone="",
        marketing_consent=False,
        user=None,
        erased_at=now,
        updated_at=now,
    )
