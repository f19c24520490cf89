"""The stage history that events and corrections produce.

The history is always what processing every input (events and corrections) in time order
would give. An input later than every input of its customer (the usual case: the helpdesk's
own touchpoints, integrations that deliver as things happen) is applied to the state stored on
the customer row (stage, stage since, last activity, purchases, latest input), so it reads
nothing of the customer's past. An input that arrives after later ones were processed replays
the customer from its time: the live rows that no longer hold are superseded (never deleted)
and the new ones appended, so readers that follow the table by id see every change.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Max, Q, Subquery
from django.db.models.expressions import RawSQL
from django.utils import timezone

from accounts.models import AuditEntry
from accounts.services import audit_record

from .. import rules
from ..models import Customer, LifecycleSettings, Stage, StageChange, StageCorrection, TouchpointEvent
from .surveys import exit_survey_open_for_churn

# Clocks of integrations drift a little; an event further in the future is a mistake.
FUTURE_TOLERANCE = timedelta(minutes=5)
THRESHOLDS = ("retention_window_days", "purchases_for_loyalty", "nps_promoter_score", "churn_inactivity_days")
STATE_FIELDS = ("stage", "stage_since", "last_activity_at", "last_input_at", "purchase_count", "updated_at")


def thresholds_current() -> rules.Thresholds:
    row = LifecycleSettings.load()
    return rules.Thresholds(**{name: getattr(row, name) for name in THRESHOLDS})


def surviving(customer: Customer) -> Customer:
    """The customer that `customer` was (perhaps transitively) merged into, or itself."""
    seen = set()
    while customer.merged_into_id and customer.pk not in seen:
        seen.add(customer.pk)
        customer = customer.merged_into
    return customer


def customers_lock(customers: Iterable[Customer]) -> dict[int, Customer]:
    """{pk of each given customer: the row of the customer it survives as, locked}.

    The rows are locked in id order (two writers never deadlock) and carry the rules' thresholds,
    read in the same query.
    """
    survivors = {c.pk: surviving(c).pk for c in customers}
    locked: dict[int, Customer] = {}
    while survivors:
        rows = _locked_rows(set(survivors.values()))
        if len(rows) < len(set(survivors.values())):
            raise ValidationError({"customer": "No such customer."})
        # A customer merged after the caller read it: follow it to the survivor.
        locked.update({pk: rows[to] for pk, to in survivors.items() if not rows[to].merged_into_id})
        survivors = {pk: rows[to].merged_into_id for pk, to in survivors.items() if rows[to].merged_into_id}
    return locked


def _thresholds_selected() -> dict[str, RawSQL]:
    """Each threshold as a scalar subquery of the settings row, written out: four ORM subqueries
    cost more to build than the whole locking query takes to run (and they never change)."""
    quote = connection.ops.quote_name
    table = quote(LifecycleSettings._meta.db_table)
    selected = {}
    for name in THRESHOLDS:
        field = LifecycleSettings._meta.get_field(name)
        sql = f"SELECT {quote(field.column)} FROM {table} WHERE {quote('id')} = %s"  # noqa: S608 - names from the model
        selected[f"threshold_{name}"] = RawSQL(sql, (1,), output_field=field)  # noqa: S611  # nosec B611 - no input in it
    return selected


def _locked_rows(pks: set[int]) -> dict[int, Customer]:
    thresholds = _thresholds_selected()
    rows = Customer.objects.select_for_update().annotate(**thresholds).filter(pk__in=pks).order_by("pk")
    locked = {row.pk: row for row in rows}
    _thresholds_fill(list(locked.values()))
    return locked


def _thresholds_fill(rows: list[Customer]) -> None:
    if rows and getattr(rows[0], f"threshold_{THRESHOLDS[0]}") is None:
        current = thresholds_current()  # the settings row was deleted: load() makes it again
        for row in rows:
            for name in THRESHOLDS:
                setattr(row, f"threshold_{name}", getattr(current, name))


def customer_lock_by_email(address: str) -> Customer | None:
    """The customer who owns `address` (lower-cased), locked and with the thresholds as
    customers_lock gives it, in one query; None when nobody owns it or its owner was merged into
    another (find or create them, then customers_lock)."""
    rows = list(
        Customer.objects.select_for_update(of=("self",))
        .annotate(**_thresholds_selected())
        .filter(emails__address=address, merged_into=None)
    )
    _thresholds_fill(rows)
    return rows[0] if rows else None


def _lock(customer: Customer) -> Customer:
    return customers_lock([customer])[customer.pk]


def thresholds_of(customer: Customer) -> rules.Thresholds:
    """The thresholds read with the customer's lock (customers_lock), else from the settings."""
    if getattr(customer, f"threshold_{THRESHOLDS[0]}", None) is None:
        return thresholds_current()
    return rules.Thresholds(**{name: getattr(customer, f"threshold_{name}") for name in THRESHOLDS})


def in_order(customer: Customer, since: datetime) -> bool:
    """Whether inputs from `since` on come after everything of `customer` (locked) processed so far."""
    return (customer.last_input_at is None or since >= customer.last_input_at) and (
        customer.stage_since is None or since > customer.stage_since
    )


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
    customer = _lock(customer)
    if occurred_at >= now - FUTURE_TOLERANCE and customer.stage == to_stage:
        raise ValidationError({"to_stage": "The customer is already in that stage."})
    before = customer.stage
    correction = StageCorrection.objects.create(
        customer=customer,
        to_stage=to_stage,
        occurred_at=occurred_at,
        actor=by if getattr(by, "pk", None) else None,
        reason=reason[:500],
    )
    history_replay(customer=customer, since=occurred_at)
    audit_record(
        action=AuditEntry.Action.STAGE_CORRECTED,
        actor=by,
        target=customer,
        details={
            "from": before,
            "to": to_stage,
            "stage_now": customer.stage,
            "reason": correction.reason,
            "occurred_at": occurred_at.isoformat(),
            "correction": correction.pk,
        },
    )
    return correction


def history_apply_in_order(
    *, customer: Customer, events: list[TouchpointEvent], now: datetime
) -> tuple[list[StageChange], bool]:
    """Apply new `events` of `customer` (locked; in_order from their earliest) to its stored state.

    Returns the StageChange rows to write and whether the customer churned just now; the new
    state is left on `customer` for history_state_store (callers write many customers at once).
    """
    had_stage = customer.stage
    state = rules.State(
        stage=customer.stage,
        stage_since=customer.stage_since,
        purchases=customer.purchase_count,
        last_activity=customer.last_activity_at,
    )
    ordered = sorted(events, key=lambda e: (e.occurred_at, e.recorded_at, e.pk))
    inputs = [
        rules.EventInput(id=e.pk, type=e.type, occurred_at=e.occurred_at, value=e.value, data=e.data)
        for e in ordered
    ]
    final, moves = rules.run(state, inputs, thresholds_of(customer), now)
    _keep_state(customer=customer, final=final, latest_input=ordered[-1].occurred_at, now=now)
    rows = [StageChange(customer=customer, recorded_at=now, **_row(move)) for move in moves]
    return rows, _churned_now(had_stage=had_stage, customer=customer, moved=bool(moves))


def history_state_store(*, customers: list[Customer], churned: list[Customer], now: datetime) -> None:
    """Write the state history_apply_in_order left on `customers` (one statement) and ask those
    who `churned` just now why they left."""
    if len(customers) == 1:
        values = {name: getattr(customers[0], name) for name in STATE_FIELDS}
        Customer.objects.filter(pk=customers[0].pk).update(**values)
    elif customers:
        Customer.objects.bulk_update(customers, STATE_FIELDS)
    for customer in churned:
        exit_survey_open_for_churn(customer=customer, churned_at=customer.stage_since, now=now)


def _churned_now(*, had_stage: str | None, customer: Customer, moved: bool) -> bool:
    return moved and customer.stage == Stage.CHURNED and had_stage != Stage.CHURNED


def history_replay(*, customer: Customer, since: datetime | None = None, now: datetime | None = None) -> None:
    """Make the live history of `customer` (locked by the caller) equal in-order processing.

    Inputs before `since` are taken as already processed; everything from `since` on is run
    through the rules again and compared with the live rows, which are only touched from the
    first difference on.
    """
    now = now or timezone.now()
    prior, later = _live_rows(customer=customer, since=since)
    state = _state_before(customer=customer, since=since, prior=prior, later=later)
    inputs = _inputs(customer=customer, since=since)
    final, moves = rules.run(state, inputs, thresholds_of(customer), now)
    kept = _common_prefix(later, moves)
    stale = [row.pk for row in later[kept:]]
    if stale:
        StageChange.objects.filter(pk__in=stale).update(superseded_at=now)
    StageChange.objects.bulk_create(
        StageChange(customer=customer, recorded_at=now, **_row(move)) for move in moves[kept:]
    )
    had_stage = customer.stage
    latest_input = max((item.occurred_at for item in inputs), default=None)
    _keep_state(customer=customer, final=final, latest_input=latest_input, now=now)
    churned = _churned_now(had_stage=had_stage, customer=customer, moved=len(moves) > kept)
    history_state_store(customers=[customer], churned=[customer] if churned else [], now=now)


def _keep_state(
    *, customer: Customer, final: rules.State, latest_input: datetime | None, now: datetime
) -> None:
    customer.stage, customer.stage_since = final.stage, final.stage_since
    customer.purchase_count = final.purchases
    customer.last_activity_at = _latest(customer.last_activity_at, final.last_activity)
    customer.last_input_at = _latest(customer.last_input_at, latest_input)
    customer.updated_at = now


def _latest(*times: datetime | None) -> datetime | None:
    return max((t for t in times if t is not None), default=None)


def _live_rows(*, customer: Customer, since: datetime | None) -> tuple[StageChange | None, list[StageChange]]:
    """The live row just before `since` (if any) and those from `since` on, in one query."""
    live = StageChange.objects.filter(customer=customer, superseded_at__isnull=True)
    if since is None:
        return None, list(live.order_by("occurred_at", "id"))
    prior = live.filter(occurred_at__lt=since).order_by("-occurred_at", "-id").values("pk")[:1]
    rows = list(live.filter(Q(occurred_at__gte=since) | Q(pk=Subquery(prior))).order_by("occurred_at", "id"))
    if rows and rows[0].occurred_at < since:
        return rows[0], rows[1:]
    return None, rows


def _state_before(
    *, customer: Customer, since: datetime | None, prior: StageChange | None, later: list[StageChange]
) -> rules.State:
    stage, stage_since = _stage_before(customer=customer, since=since, prior=prior, later=later)
    if since is None:
        return rules.State(stage=stage, stage_since=stage_since)
    # Counted from the events rather than taken from the counter: a replay also repairs it.
    before = TouchpointEvent.objects.filter(customer=customer, occurred_at__lt=since).aggregate(
        purchases=Count("id", filter=Q(type__in=rules.PURCHASE_TYPES)), last=Max("occurred_at")
    )
    return rules.State(
        stage=stage, stage_since=stage_since, purchases=before["purchases"], last_activity=before["last"]
    )


def _stage_before(
    *, customer: Customer, since: datetime | None, prior: StageChange | None, later: list[StageChange]
) -> tuple:
    if since is not None and not later:
        # No change at or after `since`: the stored stage is that of the last change (every write
        # keeps this so), or the stage the customer was created or imported with.
        return customer.stage, customer.stage_since
    if prior is not None:
        return prior.to_stage, prior.occurred_at
    if later:
        # Before the first change, a customer is in that change's `from` stage (see KPIS.md).
        return later[0].from_stage, None
    return customer.stage, customer.stage_since


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
