"""Recording touchpoints, one (the helpdesk, the API) or many at once (the API's bulk endpoint).

Either way: the customers are locked in one query, the events inserted in one statement that
skips a (source, idempotency_key) already recorded, and the rules applied: to the stored state
when the events are later than everything the customer did (no read of their past), by a replay
from the earliest otherwise. The stage changes and the customers' new state are written at once.
The result says the stage each customer was in just before each event (ticket intake in bulk
stores it on the tickets it opens).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from .. import rules
from ..models import Customer, StageChange, TouchpointEvent
from .history import (
    FUTURE_TOLERANCE,
    customers_lock,
    history_apply_in_order,
    history_replay,
    history_state_store,
    in_order,
    thresholds_of,
)

EVENT_COLUMNS = (
    "customer",
    "type",
    "occurred_at",
    "source",
    "value",
    "data",
    "idempotency_key",
    "recorded_at",
)


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
    # Each created event's customer stage just before it in the history (an inactivity churn that
    # fell due before it counts, even if the periodic rule has not stored it yet), by event id.
    stage_before: dict[int, str | None] = field(default_factory=dict)


def touchpoint_record(
    *,
    customer: Customer,
    type: str,
    occurred_at: datetime,
    source: str = "helpdesk",
    idempotency_key: str = "",
    value: Decimal | None = None,
    data: dict | None = None,
    locked: bool = False,
) -> TouchpointEvent:
    """Record one touchpoint and apply the lifecycle rules from its time on.

    A repeated (source, idempotency_key) returns the first event and changes nothing.
    `locked`: the caller holds `customer` as customers_lock or customer_lock_by_email returned it
    in this transaction, unchanged since, so it is not locked and read again.
    """
    event = EventInput(
        customer=customer,
        type=type,
        occurred_at=occurred_at,
        source=source,
        idempotency_key=idempotency_key,
        value=value,
        data=data,
    )
    result = touchpoints_record_bulk(events=[event], locked=locked)
    return (result.created or result.duplicates)[0]


@transaction.atomic
def touchpoints_record_bulk(*, events: list[EventInput], locked: bool = False) -> BulkResult:
    """Record events with the history that recording them one by one would give.

    Events whose (source, idempotency_key) is already recorded are returned as duplicates and
    change nothing; a key repeated within `events` counts once. `locked`: as for touchpoint_record,
    for every event's customer.
    """
    for event in events:
        _validate_event(event)
    now = timezone.now()
    fresh = _first_of_each_key(events)
    if locked:
        customers = {e.customer.pk: e.customer for e in fresh}
    else:
        customers = customers_lock(e.customer for e in fresh)
    rows = [_event_row(e, customer=customers[e.customer.pk], now=now) for e in fresh]
    created = _insert_new(rows)
    inserted = {id(row) for row in created}
    duplicates = _recorded_before([row for row in rows if id(row) not in inserted])
    stage_before = _apply_rules(created, now=now)
    return BulkResult(created=created, duplicates=duplicates, stage_before=stage_before)


def _apply_rules(created: list[TouchpointEvent], *, now: datetime) -> dict[int, str | None]:
    by_customer: dict[int, list[TouchpointEvent]] = {}
    for row in created:
        by_customer.setdefault(row.customer_id, []).append(row)
    changes: list[StageChange] = []
    stored, churned = [], []
    before: dict[int, str | None] = {}
    for rows in by_customer.values():
        customer = rows[0].customer
        since = min(row.occurred_at for row in rows)
        if not in_order(customer, since):
            history_replay(customer=customer, since=since, now=now)
            before.update(_stages_in_history(customer, rows))
            continue
        before.update(_stages_in_order(customer, rows))
        new, churned_now = history_apply_in_order(customer=customer, events=rows, now=now)
        changes.extend(new)
        stored.append(customer)
        if churned_now:
            churned.append(customer)
    StageChange.objects.bulk_create(changes)
    history_state_store(customers=stored, churned=churned, now=now)
    return before


def _stages_in_order(customer: Customer, rows: list[TouchpointEvent]) -> dict[int, str | None]:
    """The stage before each of a customer's in-order events, from its stored state (no query)."""
    thresholds = thresholds_of(customer)
    state = rules.State(
        stage=customer.stage,
        stage_since=customer.stage_since,
        purchases=customer.purchase_count,
        last_activity=customer.last_activity_at,
    )
    before = {}
    for row in sorted(rows, key=lambda e: (e.occurred_at, e.recorded_at, e.pk)):
        before[row.pk] = rules.churn_if_inactive(state, row.occurred_at, thresholds)[0].stage
        item = rules.EventInput(
            id=row.pk, type=row.type, occurred_at=row.occurred_at, value=row.value, data=row.data
        )
        state, _ = rules.apply_event(state, item, thresholds)
    return before


def _stages_in_history(customer: Customer, rows: list[TouchpointEvent]) -> dict[int, str | None]:
    """The stage before each event, read from the customer's live history after a replay."""
    live = list(
        StageChange.objects.filter(customer=customer, superseded_at__isnull=True)
        .order_by("occurred_at", "id")
        .values_list("occurred_at", "from_stage", "to_stage")
    )
    before = {}
    for row in rows:
        earlier = [to for at, _, to in live if at < row.occurred_at]
        later = [frm for at, frm, _ in live if at >= row.occurred_at]
        before[row.pk] = earlier[-1] if earlier else (later[0] if later else customer.stage)
    return before


def _first_of_each_key(events: list[EventInput]) -> list[EventInput]:
    seen: set[tuple[str, str]] = set()
    fresh = []
    for event in events:
        key = (event.source, event.idempotency_key)
        if event.idempotency_key and key in seen:
            continue
        seen.add(key)
        fresh.append(event)
    return fresh


def _event_row(event: EventInput, *, customer: Customer, now: datetime) -> TouchpointEvent:
    return TouchpointEvent(
        customer=customer,
        type=event.type,
        occurred_at=event.occurred_at,
        source=event.source,
        idempotency_key=event.idempotency_key,
        value=event.value,
        data=event.data or {},
        recorded_at=now,
    )


def _insert_new(rows: list[TouchpointEvent]) -> list[TouchpointEvent]:
    """Insert `rows` but those whose (source, idempotency_key) is already taken; returns the rows
    inserted, with their ids. One statement per batch, and no race: a concurrent request that
    records the same key first makes this one skip it."""
    fields = [TouchpointEvent._meta.get_field(name) for name in EVENT_COLUMNS]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
    size = connection.ops.bulk_batch_size(fields, rows) or len(rows)
    inserted = []
    for start in range(0, len(rows), size):
        batch = rows[start : start + size]
        params = [f.get_db_prep_save(getattr(row, f.attname), connection) for row in batch for f in fields]
        sql = (
            f"INSERT INTO {TouchpointEvent._meta.db_table} ({columns}) "  # noqa: S608 - names from the model
            f"VALUES {', '.join([placeholders] * len(batch))} "
            "ON CONFLICT DO NOTHING RETURNING id, source, idempotency_key"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            returned = cursor.fetchall()
        inserted.extend(_matched(batch, returned))
    return inserted


def _matched(batch: list[TouchpointEvent], returned: list[tuple]) -> list[TouchpointEvent]:
    # RETURNING gives the inserted rows in the order of VALUES (as Django's bulk_create relies
    # on); keys are unique within the batch, so a skipped row never takes another's id.
    inserted, position = [], 0
    for row in batch:
        if position < len(returned) and returned[position][1:] == (row.source, row.idempotency_key):
            row.pk = returned[position][0]
            row._state.adding, row._state.db = False, "default"
            inserted.append(row)
            position += 1
    return inserted


def _recorded_before(rows: list[TouchpointEvent]) -> list[TouchpointEvent]:
    """The events recorded earlier under the keys of `rows`, in the order of `rows`."""
    if not rows:
        return []
    keys = Q()
    for row in rows:
        keys |= Q(source=row.source, idempotency_key=row.idempotency_key)
    found = {(e.source, e.idempotency_key): e for e in TouchpointEvent.objects.filter(keys)}
    return [found[(row.source, row.idempotency_key)] for row in rows]


def _validate_event(event: EventInput) -> None:
    if event.type not in TouchpointEvent.Type.values:
        raise ValidationError({"type": f"Unknown event type {event.type!r}."})
    if event.occurred_at is None or timezone.is_naive(event.occurred_at):
        raise ValidationError({"occurred_at": "An event needs a time with a time zone."})
    if event.occurred_at > timezone.now() + FUTURE_TOLERANCE:
        raise ValidationError({"occurred_at": "An event cannot happen in the future."})
    if not event.source or len(event.source) > 64 or len(event.idempotency_key) > 255:
        raise ValidationError({"source": "A source of at most 64 and a key of at most 255 characters."})
