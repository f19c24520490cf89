"""touchpoints_record_bulk applies events that extend a history to the stored state and replays
the others; randomized histories (hypothesis) end exactly as touchpoint_record one
event at a time leaves them, and each event's `stage_before` is the stage the customer was in."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lifecycle.models import Customer, LifecycleSettings, StageChange, TouchpointEvent
from lifecycle.services import touchpoint_record
from lifecycle.services.bulk import customers_find_or_create_bulk
from lifecycle.services.touchpoints import EventInput, touchpoints_record_bulk
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

TYPES = [t for t in TouchpointEvent.Type.values if t != "other"]
prior = st.lists(st.tuples(st.sampled_from(TYPES), st.integers(10, 400 * 24 * 60)), max_size=6)
# New events: (which of three customers, type, minutes ago: 0-2 extend the history, more are late)
new = st.lists(
    st.tuples(
        st.integers(0, 2), st.sampled_from(TYPES), st.one_of(st.integers(0, 2), st.integers(3, 400 * 24 * 60))
    ),
    min_size=1,
    max_size=9,
)


@pytest.fixture
def thresholds(db):
    LifecycleSettings.objects.update_or_create(
        pk=1, defaults={"purchases_for_loyalty": 3, "retention_window_days": 60, "churn_inactivity_days": 120}
    )


def _history(customer: Customer) -> list[tuple]:
    rows = StageChange.objects.filter(customer=customer, superseded_at__isnull=True).order_by(
        "occurred_at", "id"
    )
    return [
        (r.from_stage, r.to_stage, r.occurred_at, r.cause, r.reason, r.event.type if r.event else None)
        for r in rows.select_related("event")
    ]


def _state(customer: Customer) -> tuple:
    customer.refresh_from_db()
    return customer.stage, customer.stage_since, customer.last_activity_at, _history(customer)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(histories=st.lists(prior, min_size=3, max_size=3), events=new)
def test_bulk_events_end_as_one_by_one(thresholds, histories, events):
    now = timezone.now()
    bulk, single = [CustomerFactory() for _ in range(3)], [CustomerFactory() for _ in range(3)]
    for index, history in enumerate(histories):
        for n, (kind, minutes) in enumerate(history):
            for twin, side in ((bulk, "b"), (single, "s")):
                touchpoint_record(
                    customer=twin[index],
                    type=kind,
                    occurred_at=now - timedelta(minutes=minutes, seconds=n),
                    value=Decimal(n),
                    idempotency_key=f"{side}{index}-{n}",
                )
    timed = [
        (who, kind, now - timedelta(minutes=m, microseconds=n)) for n, (who, kind, m) in enumerate(events)
    ]
    before_single, extends = [], []
    for n, (who, kind, at) in enumerate(timed):
        single[who].refresh_from_db()
        before_single.append(single[who].stage)
        extends.append(_extends(single[who], timed, n))
        touchpoint_record(customer=single[who], type=kind, occurred_at=at, value=Decimal(5))
    result = touchpoints_record_bulk(
        events=[
            EventInput(customer=bulk[who], type=kind, occurred_at=at, source="helpdesk", value=Decimal(5))
            for who, kind, at in timed
        ]
    )
    assert [_state(c) for c in bulk] == [_state(c) for c in single]
    for event, stage, extended in zip(result.created, before_single, extends, strict=True):
        if extended:  # appended to the history: the stage read before it is the one before it in history
            assert result.stage_before[event.pk] == stage


def _extends(customer: Customer, timed: list[tuple], index: int) -> bool:
    """The index-th new event comes after everything in the customer's history so far (events and
    stage changes, rule churns included) and before the same customer's new events listed after it."""
    who, _, at = timed[index]
    later_history = (
        TouchpointEvent.objects.filter(customer=customer, occurred_at__gte=at).exists()
        or StageChange.objects.filter(
            customer=customer, superseded_at__isnull=True, occurred_at__gte=at
        ).exists()
    )
    return not later_history and all(t > at for w, _, t in timed[index + 1 :] if w == who)


def test_customers_find_or_create_bulk_finds_and_creates_once(db):
    known = CustomerFactory(display_name="Known")
    known.emails.create(address="known@example.test", is_primary=True)
    found = customers_find_or_create_bulk(
        people={"Known@Example.test": "Other", "new@example.test": "New Person"}
    )
    assert found["known@example.test"] == known
    assert found["new@example.test"].display_name == "New Person"
    again = customers_find_or_create_bulk(people={"new@example.test": "Renamed"})
    assert again["new@example.test"] == found["new@example.test"]
    assert Customer.objects.count() == 2
