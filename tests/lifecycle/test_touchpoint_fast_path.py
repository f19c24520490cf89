"""An event later than everything its customer did is applied to the stored state in a fixed,
small number of statements; a late one replays. Either way the stored counters stay true."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lifecycle.models import Customer, LifecycleSettings, Stage, StageChange, TouchpointEvent
from lifecycle.services import customer_merge, stage_correct, touchpoint_record, touchpoints_record_bulk
from lifecycle.services.touchpoints import EventInput
from tests.factories import CustomerFactory

from .conftest import days_ago, live_history


@pytest.fixture(autouse=True)
def _settings_row(db):
    LifecycleSettings.load()  # a test that flushed the tables may have removed it


def _statements(call) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        call()
    return [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]


def test_touchpoint_in_order_reads_nothing_of_the_past(customer, record):
    record("signed_up", 30)
    record("purchase", 20, value=Decimal(5))
    sql = _statements(
        lambda: touchpoint_record(
            customer=customer, type="renewal", occurred_at=days_ago(1), idempotency_key="r"
        )
    )
    # Lock (with the thresholds), insert the event, insert the stage change, store the state.
    assert len(sql) == 4
    assert not [s for s in sql if "lifecycle_touchpointevent" in s and s.startswith("SELECT")]
    customer.refresh_from_db()
    assert customer.stage == Stage.RETENTION and customer.purchase_count == 2


def test_touchpoint_in_order_without_a_move_is_three_statements(customer, record):
    record("signed_up", 30)
    sql = _statements(lambda: touchpoint_record(customer=customer, type="visited", occurred_at=days_ago(1)))
    assert len(sql) == 3


def test_touchpoint_late_replays_in_bounded_statements(customer, record):
    for ago in (40, 30, 20, 10):
        record("purchase", ago, value=Decimal(5))
    sql = _statements(
        lambda: touchpoint_record(customer=customer, type="signed_up", occurred_at=days_ago(50))
    )
    assert len(sql) <= 10
    customer.refresh_from_db()
    assert live_history(customer)[0][1] == Stage.ACQUISITION


def test_touchpoint_counters_follow_events_and_corrections(customer, record, agent):
    record("purchase", 30, value=Decimal(5))
    customer = record("subscription_started", 20, value=Decimal(5))
    assert (customer.purchase_count, customer.last_input_at) == (2, customer.last_activity_at)
    correction = stage_correct(
        customer=customer, to_stage=Stage.LOYALTY, by=agent, reason="VIP", occurred_at=days_ago(10)
    )
    customer.refresh_from_db()
    assert customer.last_input_at == correction.occurred_at
    assert customer.last_activity_at < customer.last_input_at
    # An event between the purchase and the correction is late: the correction is applied again after it.
    customer = record("cancelled", 15)
    assert customer.stage == Stage.LOYALTY
    assert customer.last_input_at == correction.occurred_at


def test_touchpoint_in_order_at_a_stage_change_instant_replays(customer, record):
    customer = record("purchase", 10, value=Decimal(5))
    at = customer.stage_since
    touchpoint_record(customer=customer, type="renewal", occurred_at=at, value=Decimal(5))
    customer.refresh_from_db()
    assert customer.purchase_count == 2 and customer.stage == Stage.RETENTION


def test_replay_repairs_a_wrong_counter(customer, record):
    record("purchase", 30, value=Decimal(5))
    record("purchase", 20, value=Decimal(5))
    Customer.objects.filter(pk=customer.pk).update(purchase_count=40)
    customer = record("visited", 25)  # late: the replay counts the purchases again
    assert customer.purchase_count == 2


def test_merge_adds_up_the_counters(customer, record, agent):
    record("purchase", 30, value=Decimal(5))
    duplicate = CustomerFactory()
    record("purchase", 20, target=duplicate, value=Decimal(5))
    record("visited", 5, target=duplicate)
    survivor = customer_merge(source=duplicate, target=customer, by=agent)
    survivor.refresh_from_db()
    assert survivor.purchase_count == 2
    assert (
        survivor.last_input_at
        == survivor.last_activity_at
        == TouchpointEvent.objects.latest("occurred_at").occurred_at
    )


def test_touchpoints_bulk_locks_and_writes_many_customers_at_once(db):
    customers = [CustomerFactory() for _ in range(12)]
    events = [
        EventInput(
            customer=c, type=t, occurred_at=days_ago(ago), source="shop", idempotency_key=f"{c.pk}-{t}"
        )
        for c in customers
        for t, ago in (("signed_up", 3), ("purchase", 2))
    ]
    with CaptureQueriesContext(connection) as captured:
        result = touchpoints_record_bulk(events=events)
    assert len(result.created) == 24 and not result.duplicates
    # Lock, insert events, insert stage changes, store the states: not one statement per customer.
    assert len(captured) == 6  # and a savepoint around them
    assert StageChange.objects.filter(to_stage=Stage.CONVERSION).count() == 12
    assert set(Customer.objects.values_list("stage", "purchase_count")) == {(Stage.CONVERSION, 1)}


def test_touchpoints_bulk_returns_earlier_deliveries_as_duplicates(customer):
    first = touchpoint_record(customer=customer, type="visited", occurred_at=days_ago(3), idempotency_key="a")
    at = days_ago(2)
    result = touchpoints_record_bulk(
        events=[
            EventInput(
                customer=customer, type="visited", occurred_at=at, source="helpdesk", idempotency_key=key
            )
            for key in ("a", "b", "b")
        ]
    )
    assert [e.pk for e in result.duplicates] == [first.pk]
    assert [e.idempotency_key for e in result.created] == ["b"]
    assert TouchpointEvent.objects.count() == 2


def test_touchpoint_of_a_customer_that_does_not_exist_is_refused(db):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        touchpoint_record(customer=Customer(pk=987654), type="visited", occurred_at=days_ago(1))


@pytest.mark.parametrize("purchases_for_loyalty", [2, 3])
def test_touchpoint_applies_the_thresholds_read_with_the_lock(customer, record, purchases_for_loyalty):
    LifecycleSettings.objects.filter(pk=1).update(purchases_for_loyalty=purchases_for_loyalty)
    record("purchase", 30, value=Decimal(5))
    customer = record("purchase", 20, value=Decimal(5))
    assert (customer.stage == Stage.LOYALTY) == (purchases_for_loyalty == 2)


def test_touchpoint_without_a_settings_row_uses_the_defaults(customer, record):
    LifecycleSettings.objects.all().delete()
    for ago in (30, 20, 10, 5):
        customer = record("purchase", ago, value=Decimal(5))
    assert customer.stage != Stage.LOYALTY  # the default takes five purchases
    customer = record("purchase", 1, value=Decimal(5))
    assert customer.stage == Stage.LOYALTY
    assert LifecycleSettings.objects.exists()


def test_customer_lock_by_email_gives_the_owner_as_customers_lock_does(customer):
    from lifecycle.services import customer_lock_by_email, customers_lock

    address = customer.emails.get().address
    found = customer_lock_by_email(address)
    locked = customers_lock([customer])[customer.pk]
    assert found == customer
    for name in (
        "stage",
        "stage_since",
        "last_input_at",
        "purchase_count",
        "threshold_purchases_for_loyalty",
    ):
        assert getattr(found, name) == getattr(locked, name)
    assert customer_lock_by_email("nobody@example.test") is None
    Customer.objects.filter(pk=customer.pk).update(merged_into=CustomerFactory())
    assert customer_lock_by_email(address) is None


def test_touchpoint_of_a_customer_the_caller_locked_is_recorded_as_any_other(record):
    from lifecycle.services import customer_lock_by_email

    twins = [CustomerFactory(email=f"twin{i}@example.test") for i in range(2)]
    for twin in twins:
        for ago in (30, 20):
            record("purchase", ago, target=twin, value=Decimal(5))
    touchpoint_record(customer=twins[0], type="purchase", occurred_at=days_ago(1), value=Decimal(5))
    held = customer_lock_by_email("twin1@example.test")
    sql = _statements(
        lambda: touchpoint_record(
            customer=held, type="purchase", occurred_at=days_ago(1), value=Decimal(5), locked=True
        )
    )
    assert not [s for s in sql if s.startswith("SELECT")]  # not locked and read again
    first, second = (Customer.objects.get(pk=twin.pk) for twin in twins)
    assert (second.stage, second.purchase_count) == (first.stage, first.purchase_count) == (held.stage, 3)
    assert second.last_input_at == held.last_input_at and second.stage_since == held.stage_since
    changes = [
        list(StageChange.objects.filter(customer=twin).values_list("from_stage", "to_stage"))
        for twin in twins
    ]
    assert changes[0] == changes[1]
