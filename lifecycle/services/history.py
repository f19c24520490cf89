"""Events, corrections and the stage history they produce.

The history is always what processing every input (events and corrections) in time order
would give. An input that arrives after later ones were processed replays the customer from
its time: the live rows that no longer hold are superseded (never deleted) and the new ones
appended, so readers that follow the table by id see every change.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from .. import rules
from ..models import Customer, LifecycleSettings, Stage, StageChange, StageCorrection, TouchpointEvent
from .surveys import exit_survey_open_for_churn

# Clocks of integrations drift a little; an event further in the future is a mistake.
FUTURE_TOLERANCE = timedelta(minutes=5)


def thresholds_current() -> rules.Thresholds:
    row = LifecycleSettings.load()
    return rules.Thresholds(
        retention_window_days=row.retention_window_days,
        purchases_for_loyalty=row.purchases_for_loyalty,
        nps_promoter_score=row.nps_promoter_score,
        churn_inactivity_days=row.churn_inactivity_days,
    )


def surviving(customer: Customer) -> Customer:
    """The customer that `customer` was (perhaps transitively) merged into, or itself."""
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
    """Record one touchpoint and apply the lifecycle rules from its time on.

    A repeated (source, idempotency_key) returns the first event and changes nothing.
    """
    if idempotency_key:
        existing = TouchpointEvent.objects.filter(source=source, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    _validate_event(type=type, occurred_at=occurred_at, source=source, idempotency_key=idempotency_key)
    customer = _lock(surviving(customer))
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
    history_replay(customer=customer, since=occurred_at)
    return event


@transaction.atomic
def stage_correct(
    *, customer: Customer, to_stage: str, by, reason: str, occurred_at: datetime | None = None
) -> StageCorrection:
    """A person sets the customer's stage, with a reason; kept at its time through later replays."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the stage is corrected."})
    if to_stage not in Stage.values:
        raise ValidationError({"to_stage": "Choose a stage."})
    now = timezone.now()
    occurred_at = occurred_at or now
    if occurred_at > now + FUTURE_TOLERANCE:
        raise ValidationError({"occurred_at": "A correction cannot be in the future."})
    customer = _lock(surviving(customer))
    if occurred_at >= now - FUTURE_TOLERANCE and customer.stage == to_stage:
        raise ValidationError({"to_stage": "The customer is already in that stage."})
    correction = StageCorrection.objects.create(
        customer=customer,
        to_stage=to_stage,
        occurred_at=occurred_at,
        actor=by if getattr(by, "pk", None) else None,
        reason=reason[:500],
    )
    history_replay(customer=customer, since=occurred_at)
    return correction


def history_replay(*, customer: Customer, since: datetime | None = None, now: datetime | None = None) -> None:
    """Make the live history of `customer` (locked by the caller) equal in-order processing.

    Inputs before `since` are taken as already processed; everything from `since` on is run
    through the rules again and compared with the live rows, which are only touched from the
    first difference on.
    """
    now = now or timezone.now()
    live = StageChange.objects.filter(customer=customer, superseded_at__isnull=True)
    if since is not None:
        live = live.filter(occurred_at__gte=since)
    later = list(live.order_by("occurred_at", "id"))
    state = _state_before(customer=customer, since=since, later=later)
    final, moves = rules.run(state, _inputs(customer=customer, since=since), thresholds_current(), now)
    kept = _common_prefix(later, moves)
    stale = [row.pk for row in later[kept:]]
    if stale:
        StageChange.objects.filter(pk__in=stale).update(superseded_at=now)
    StageChange.objects.bulk_create(
        StageChange(customer=customer, recorded_at=now, **_row(move)) for move in moves[kept:]
    )
    _store_state(customer=customer, final=final, had_stage=customer.stage, new_moves=moves[kept:], now=now)


def _state_before(*, customer: Customer, since: datetime | None, later: list[StageChange]) -> rules.State:
    live = StageChange.objects.filter(customer=customer, superseded_at__isnull=True)
    prior = live.filter(occurred_at__lt=since).order_by("-occurred_at", "-id").first() if since else None
    if prior is not None:
        stage, stage_since = prior.to_stage, prior.occurred_at
    elif later:
        # Before the first change, a customer is in that change's `from` stage (see KPIS.md).
        stage, stage_since = later[0].from_stage, None
    else:
        # No history yet: whatever stage the customer was created or imported with.
        stage, stage_since = customer.stage, customer.stage_since
    if since is None:
        return rules.State(stage=stage, stage_since=stage_since)
    before = TouchpointEvent.objects.filter(customer=customer, occurred_at__lt=since).aggregate(
        purchases=Count("id", filter=Q(type__in=rules.PURCHASE_TYPES)), last=Max("occurred_at")
    )
    return rules.State(
        stage=stage, stage_since=stage_since, purchases=before["purchases"], last_activity=before["last"]
    )


def _inputs(*, customer: Customer, since: datetime | None) -> list[rules.EventInput | rules.CorrectionInput]:
    events = TouchpointEvent.objects.filter(customer=customer)
    corrections = StageCorrection.objects.filter(customer=customer)
    if since is not None:
        events, corrections = (
            events.filter(occurred_at__gte=since),
            corrections.filter(occurred_at__gte=since),
        )
    items: list[tuple[tuple, rules.EventInput | rules.CorrectionInput]] = []
    for e in events.only("id", "type", "occurred_at", "value", "data", "recorded_at"):
        item = rules.EventInput(id=e.pk, type=e.type, occurred_at=e.occurred_at, value=e.value, data=e.data)
        items.append(((e.occurred_at, e.recorded_at, 0, e.pk), item))
    for c in corrections:
        item = rules.CorrectionInput(
            id=c.pk, to_stage=c.to_stage, occurred_at=c.occurred_at, reason=c.reason, actor_id=c.actor_id
        )
        items.append(((c.occurred_at, c.recorded_at, 1, c.pk), item))
    items.sort(key=lambda pair: pair[0])
    return [item for _, item in items]


def _common_prefix(rows: list[StageChange], moves: list[rules.Move]) -> int:
    kept = 0
    for row, move in zip(rows, moves, strict=False):
        if _signature_row(row) != _signature_move(move):
            break
        kept += 1
    return kept


def _signature_row(row: StageChange) -> tuple:
    return (row.from_stage, row.to_stage, row.occurred_at, row.cause, row.event_id, row.correction_id)


def _signature_move(move: rules.Move) -> tuple:
    return (move.from_stage, move.to_stage, move.occurred_at, move.cause, move.event_id, move.correction_id)


def _row(move: rules.Move) -> dict:
    return {
        "from_stage": move.from_stage,
        "to_stage": move.to_stage,
        "occurred_at": move.occurred_at,
        "cause": move.cause,
        "reason": move.reason[:500],
        "event_id": move.event_id,
        "correction_id": move.correction_id,
        "actor_id": move.actor_id,
    }


def _store_state(
    *,
    customer: Customer,
    final: rules.State,
    had_stage: str | None,
    new_moves: list[rules.Move],
    now: datetime,
) -> None:
    fields = {"stage": final.stage, "stage_since": final.stage_since}
    if final.last_activity is not None and (
        customer.last_activity_at is None or final.last_activity > customer.last_activity_at
    ):
        fields["last_activity_at"] = final.last_activity
    changed = {k: v for k, v in fields.items() if getattr(customer, k) != v}
    if changed:
        Customer.objects.filter(pk=customer.pk).update(**changed, updated_at=now)
        for key, value in changed.items():
            setattr(customer, key, value)
    if final.stage == Stage.CHURNED and had_stage != Stage.CHURNED and new_moves:
        exit_survey_open_for_churn(customer=customer, churned_at=final.stage_since, now=now)


def _lock(customer: Customer) -> Customer:
    """The customer's row, locked so that two replays of one customer never interleave."""
    return Customer.objects.select_for_update().get(pk=customer.pk)


def _validate_event(*, type: str, occurred_at: datetime, source: str, idempotency_key: str) -> None:
    if type not in TouchpointEvent.Type.values:
        raise ValidationError({"type": f"Unknown event type {type!r}."})
    if occurred_at is None or timezone.is_naive(occurred_at):
        raise ValidationError({"occurred_at": "An event needs a time with a time zone."})
    if occurred_at > timezone.now() + FUTURE_TOLERANCE:
        raise ValidationError({"occurred_at": "An event cannot happen in the future."})
    if not source or len(source) > 64 or len(idempotency_key) > 255:
        raise ValidationError({"source": "A source of at most 64 and a key of at most 255 characters."})
