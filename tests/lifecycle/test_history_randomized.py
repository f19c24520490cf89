"""Randomized event streams (hypothesis): the live history always explains the stored stage, and
events arriving late and out of order give the same history as the same inputs in time order."""

import random
from datetime import timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lifecycle.models import LifecycleSettings, Stage, StageChange, TouchpointEvent
from lifecycle.rules import PURCHASE_TYPES
from lifecycle.services import churn_inactive_customers, stage_correct, touchpoint_record
from tests.factories import CustomerFactory

from .conftest import derived_stage

pytestmark = pytest.mark.django_db

EVENT_TYPES = [t for t in TouchpointEvent.Type.values if t != "other"]
event = st.tuples(
    st.just("event"),
    st.sampled_from(EVENT_TYPES),
    st.integers(min_value=0, max_value=10),  # value: NPS score or an amount
)
correction = st.tuples(st.just("correction"), st.sampled_from(Stage.values), st.just(0))
inputs = st.lists(st.one_of(event, event, event, correction), min_size=1, max_size=14)
# Distinct instants (in minutes before now, over two years) so that "in time order" is one order.
instants = st.lists(st.integers(min_value=10, max_value=730 * 24 * 60), min_size=14, max_size=14, unique=True)


@pytest.fixture
def thresholds(db):
    LifecycleSettings.objects.update_or_create(
        pk=1, defaults={"purchases_for_loyalty": 3, "retention_window_days": 60, "churn_inactivity_days": 120}
    )


def _apply(customer, item, at, key):
    kind, what, value = item
    if kind == "event":
        touchpoint_record(
            customer=customer,
            type=what,
            occurred_at=at,
            value=Decimal(value),
            source="test",
            idempotency_key=key,
        )
    else:
        stage_correct(
            customer=customer, to_stage=what, by=None, reason=f"correction {key[2:]}", occurred_at=at
        )


def _history(customer):
    """The live history with events named by their idempotency key (ids differ between customers)."""
    rows = StageChange.objects.filter(customer=customer, superseded_at__isnull=True).order_by(
        "occurred_at", "id"
    )
    return [
        (
            r.from_stage,
            r.to_stage,
            r.occurred_at,
            r.cause,
            r.reason,
            r.event.idempotency_key if r.event else None,
        )
        for r in rows.select_related("event")
    ]


def _assert_consistent(customer):
    customer.refresh_from_db()
    assert customer.stage == derived_stage(customer)
    last = (
        StageChange.objects.filter(customer=customer, superseded_at__isnull=True)
        .order_by("occurred_at", "id")
        .last()
    )
    assert customer.stage_since == (last.occurred_at if last else None)
    rows = list(
        StageChange.objects.filter(customer=customer, superseded_at__isnull=True).order_by(
            "occurred_at", "id"
        )
    )
    for before, after in pairwise(rows):
        assert after.from_stage == before.to_stage
    # The counters that let an in-order event skip reading the past agree with the past.
    events = TouchpointEvent.objects.filter(customer=customer)
    assert customer.purchase_count == events.filter(type__in=PURCHASE_TYPES).count()
    times = [*events.values_list("occurred_at", flat=True)]
    times += customer.stage_corrections.values_list("occurred_at", flat=True)
    assert customer.last_input_at == max(times, default=None)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stream=inputs, minutes=instants, seed=st.integers(min_value=0, max_value=10_000))
def test_history_late_arrivals_equal_in_order_processing(thresholds, stream, minutes, seed):
    now = timezone.now()
    timed = sorted(
        (
            (now - timedelta(minutes=m), f"k{index}-{seed}", item)
            for index, (m, item) in enumerate(zip(minutes, stream, strict=False))
        ),
        key=lambda triple: triple[0],
    )
    in_order, shuffled = CustomerFactory(), CustomerFactory()
    for at, key, item in timed:
        _apply(in_order, item, at, f"a-{key}")
        _assert_consistent(in_order)
    arrivals = timed[:]
    random.Random(seed).shuffle(arrivals)
    seen_ids: set[int] = set()
    for position, (at, key, item) in enumerate(arrivals):
        _apply(shuffled, item, at, f"b-{key}")
        if position % 3 == 2:
            churn_inactive_customers()
        _assert_consistent(shuffled)
        ids = set(StageChange.objects.filter(customer=shuffled).values_list("id", flat=True))
        assert seen_ids <= ids, "stage changes are superseded, never deleted"
        seen_ids = ids
    churn_inactive_customers()
    _assert_consistent(in_order)
    _assert_consistent(shuffled)
    strip = lambda rows: [(*r[:5], r[5][2:] if r[5] else None) for r in rows]  # noqa: E731
    assert strip(_history(shuffled)) == strip(_history(in_order))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stream=inputs, minutes=instants)
def test_history_redelivered_events_change_nothing(thresholds, stream, minutes):
    now = timezone.now()
    customer = CustomerFactory()
    timed = [
        (now - timedelta(minutes=m), f"r{i}", item)
        for i, (m, item) in enumerate(zip(minutes, stream, strict=False))
    ]
    for at, key, item in timed:
        _apply(customer, item, at, f"x-{key}")
    before = _history(customer), StageChange.objects.filter(customer=customer).count()
    for at, key, item in timed:
        if item[0] == "event":
            _apply(customer, item, at, f"x-{key}")
    assert (_history(customer), StageChange.objects.filter(customer=customer).count()) == before
    _assert_consistent(customer)
