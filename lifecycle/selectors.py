"""Reads of lifecycle data, scoped to who may see them (staff only: customers see none of it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.urls import reverse

from helpdesk.roles import is_staff_member

from .models import (
    FORWARD_STAGES,
    Customer,
    CustomerEmail,
    CustomerExternalId,
    CustomerPhone,
    ExitSurvey,
    Organization,
    Stage,
    StageChange,
    TouchpointEvent,
)
from .services import surviving
from .timeline import TimelineItem, provided_items

HIGH_RISK = 0.6
MEDIUM_RISK = 0.3
RISK_BANDS = {
    "high": Q(churn_risk_score__gte=HIGH_RISK),
    "medium": Q(churn_risk_score__gte=MEDIUM_RISK, churn_risk_score__lt=HIGH_RISK),
    "low": Q(churn_risk_score__lt=MEDIUM_RISK),
}
STAGE_ICONS = {
    Stage.REACH: "broadcast",
    Stage.ACQUISITION: "person-plus",
    Stage.CONVERSION: "cart-check",
    Stage.RETENTION: "arrow-repeat",
    Stage.LOYALTY: "heart",
    Stage.CHURNED: "box-arrow-right",
}


def customer_lookup(*, value: str) -> Customer | None:
    """The (surviving) customer one of whose addresses, phone numbers or external ids is `value`.

    An external id is written `source:id` (e.g. `shop:1042`); a bare value matches any source.
    """
    value = (value or "").strip()
    if not value:
        return None
    found = _by_email(value) or _by_external_id(value) or CustomerPhone.objects.filter(number=value).first()
    if found is None:
        return None
    customer = Customer.objects.select_related("merged_into").get(pk=found.customer_id)
    return surviving(customer)


def _by_email(value: str):
    return CustomerEmail.objects.filter(address=value.lower()).first() if "@" in value else None


def _by_external_id(value: str):
    source, sep, external_id = value.partition(":")
    if sep and source and external_id:
        found = CustomerExternalId.objects.filter(source=source.lower(), external_id=external_id).first()
        if found is not None:
            return found
    return CustomerExternalId.objects.filter(external_id=value).order_by("pk").first()


def customer_list_for_staff(*, user, filters: dict | None = None) -> QuerySet[Customer]:
    """Active customers matching `filters` (stage, organization, risk, language, q), newest first."""
    if not is_staff_member(user):
        return Customer.objects.none()
    filters = filters or {}
    customers = Customer.objects.active().select_related("organization")
    if filters.get("stage") == "none":
        customers = customers.filter(stage__isnull=True)
    elif filters.get("stage"):
        customers = customers.filter(stage=filters["stage"])
    if filters.get("organization"):
        customers = customers.filter(organization=filters["organization"])
    if filters.get("risk") in RISK_BANDS:
        customers = customers.filter(RISK_BANDS[filters["risk"]])
    if filters.get("language"):
        customers = customers.filter(preferred_language=filters["language"])
    if filters.get("q"):
        customers = customers.filter(_search(filters["q"].strip()))
    primary = CustomerEmail.objects.filter(customer=OuterRef("pk")).order_by("-is_primary", "pk")
    return customers.annotate(primary_email=Subquery(primary.values("address")[:1])).order_by("-pk")


def _search(text: str) -> Q:
    lowered = text.lower()
    source, sep, external_id = text.partition(":")
    ext = CustomerExternalId.objects.filter(customer=OuterRef("pk"))
    ext_q = Q(external_id=text) | (Q(source=source.lower(), external_id=external_id) if sep else Q(pk__in=[]))
    return (
        Q(display_name__icontains=text)
        | Exists(CustomerEmail.objects.filter(customer=OuterRef("pk"), address__contains=lowered))
        | Exists(ext.filter(ext_q))
        | (Q(pk=int(text.lstrip("#"))) if text.lstrip("#").isdigit() and len(text) < 18 else Q(pk__in=[]))
    )


def customer_page(*, user, customer_id: int) -> Customer:
    """One customer with what their page shows; 404 for non-staff (who must not learn it exists)."""
    if not is_staff_member(user):
        raise Http404
    customer = (
        Customer.objects.select_related("organization", "merged_into", "user")
        .prefetch_related("emails", "phones", "external_ids")
        .filter(pk=customer_id)
        .first()
    )
    if customer is None:
        raise Http404
    return customer


def organization_names(*, limit: int = 1000) -> list[str]:
    """Organization names to offer when a customer's organization is edited, alphabetically."""
    return list(Organization.objects.order_by("name").values_list("name", flat=True)[:limit])


def customer_timeline(*, customer: Customer, limit: int = 50) -> list[TimelineItem]:
    """Touchpoints, stage changes and the items other apps provide (tickets, ratings), newest first."""
    items = [*_touchpoint_items(customer, limit), *_stage_items(customer, limit)]
    items.extend(provided_items(customer=customer, limit=limit))
    items.sort(key=lambda item: item.occurred_at, reverse=True)
    return items[:limit]


def _touchpoint_items(customer: Customer, limit: int) -> list[TimelineItem]:
    events = TouchpointEvent.objects.filter(customer=customer).order_by("-occurred_at", "-id")[:limit]
    return [
        TimelineItem(
            occurred_at=e.occurred_at,
            kind="touchpoint",
            title=e.get_type_display(),
            detail=_event_detail(e),
            icon="lightning",
        )
        for e in events
    ]


def _event_detail(event: TouchpointEvent) -> str:
    parts = [f"via {event.source}"]
    if event.type == TouchpointEvent.Type.NPS and event.value is not None:
        parts.insert(0, f"score {event.value:.0f}")
    elif event.value is not None:
        parts.insert(0, f"value {event.value}")
    return ", ".join(parts)


def _stage_items(customer: Customer, limit: int) -> list[TimelineItem]:
    changes = (
        StageChange.objects.filter(customer=customer, superseded_at__isnull=True)
        .select_related("actor")
        .order_by("-occurred_at", "-id")[:limit]
    )
    return [
        TimelineItem(
            occurred_at=c.occurred_at,
            kind="stage",
            title=f"{_label(c.from_stage)} → {_label(c.to_stage)}",
            detail=_change_detail(c),
            icon=STAGE_ICONS.get(c.to_stage, "signpost"),
        )
        for c in changes
    ]


def _change_detail(change: StageChange) -> str:
    who = {
        StageChange.Cause.EVENT: "event",
        StageChange.Cause.RULE: "rule",
        StageChange.Cause.PERSON: change.actor.get_full_name() or change.actor.get_username()
        if change.actor
        else "a person",
    }[change.cause]
    return f"{change.reason} ({who})" if change.reason else who


def _label(stage: str | None) -> str:
    return Stage(stage).label if stage else "No stage"


@dataclass(frozen=True)
class FunnelRow:
    stage: str
    label: str
    entered: int
    moved_on: int

    @property
    def rate(self) -> float | None:
        return self.moved_on / self.entered if self.entered else None


def day_bounds(*, date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """[start of date_from, end of date_to) in the helpdesk's TIME_ZONE (see KPIS.md)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    start = datetime.combine(date_from, time.min, tzinfo=zone)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def stage_funnel(*, date_from: date, date_to: date, window_days: int = 90) -> list[FunnelRow]:
    """The funnel of KPIS.md: per forward stage X, `entered` = customers whose live history enters
    X during [date_from, date_to] (each once, at their first entry in the range), and `moved_on` =
    those of them who entered any later forward stage after that entry (ordered by time, then
    recording order) and at most `window_days` (elapsed) later, which may be after date_to.
    """
    start, end = day_bounds(date_from=date_from, date_to=date_to)
    live = StageChange.objects.filter(superseded_at__isnull=True)
    after_entry = Q(occurred_at__gt=OuterRef("occurred_at")) | Q(
        occurred_at=OuterRef("occurred_at"), id__gt=OuterRef("id")
    )
    moved = live.filter(
        after_entry,
        customer=OuterRef("customer"),
        occurred_at__lte=OuterRef("occurred_at") + timedelta(days=window_days),
    )
    rows = []
    for index, stage in enumerate(FORWARD_STAGES):
        # Each customer's first entry into the stage within the range (a window, not a correlated
        # subquery: this runs over hundreds of thousands of changes).
        first = Window(
            RowNumber(), partition_by=[F("customer_id")], order_by=[F("occurred_at").asc(), F("id").asc()]
        )
        entries = (
            live.filter(to_stage=stage, occurred_at__gte=start, occurred_at__lt=end)
            .annotate(entry_rank=first)
            .filter(entry_rank=1)
        )
        later = FORWARD_STAGES[index + 1 :]
        if later:
            counts = entries.annotate(on=Exists(moved.filter(to_stage__in=later))).aggregate(
                entered=Count("id"), moved_on=Count("id", filter=Q(on=True))
            )
        else:
            counts = {**entries.aggregate(entered=Count("id")), "moved_on": 0}
        rows.append(FunnelRow(stage=stage.value, label=stage.label, **counts))
    return rows


def exit_survey_report(*, user) -> tuple[QuerySet[ExitSurvey], list[dict]]:
    """Answered exit surveys, newest first, and the count per reason (most frequent first)."""
    if not is_staff_member(user):
        return ExitSurvey.objects.none(), []
    answered = ExitSurvey.objects.filter(answered_at__isnull=False)
    labels = dict(ExitSurvey.Reason.choices)
    counts = [
        {"reason": row["reason"], "label": labels.get(row["reason"], row["reason"]), "count": row["count"]}
        for row in answered.values("reason").annotate(count=Count("id")).order_by("-count", "reason")
    ]
    return answered.select_related("customer").order_by("-answered_at", "-id"), counts


def customer_detail_url(customer: Customer) -> str:
    return reverse("lifecycle:customer_detail", args=[customer.pk])
