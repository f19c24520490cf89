from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from lifecycle.models import StageChange, TouchpointEvent
from lifecycle.services import touchpoint_record

from .conftest import days_ago


def test_touchpoint_redelivery_records_nothing_twice(customer):
    at = days_ago(2)
    first = touchpoint_record(
        customer=customer,
        type="purchase",
        occurred_at=at,
        source="shop",
        idempotency_key="o-1",
        value=Decimal(9),
    )
    again = touchpoint_record(
        customer=customer,
        type="purchase",
        occurred_at=at,
        source="shop",
        idempotency_key="o-1",
        value=Decimal(9),
    )
    assert again.pk == first.pk
    assert TouchpointEvent.objects.count() == 1
    assert StageChange.objects.count() == 1


def test_touchpoint_same_key_from_another_source_is_another_event(customer):
    touchpoint_record(
        customer=customer, type="visited", occurred_at=days_ago(2), source="web", idempotency_key="1"
    )
    touchpoint_record(
        customer=customer, type="visited", occurred_at=days_ago(2), source="crm", idempotency_key="1"
    )
    assert TouchpointEvent.objects.count() == 2


def test_touchpoint_without_key_is_recorded_each_time(customer):
    touchpoint_record(customer=customer, type="visited", occurred_at=days_ago(2))
    touchpoint_record(customer=customer, type="visited", occurred_at=days_ago(2))
    assert TouchpointEvent.objects.count() == 2


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"type": "teleported"}, "type"),
        ({"occurred_at": days_ago(-1)}, "occurred_at"),
        ({"source": ""}, "source"),
    ],
)
def test_touchpoint_bad_input_is_refused(customer, fields, field):
    values = {"type": "visited", "occurred_at": days_ago(1), **fields}
    with pytest.raises(ValidationError) as error:
        touchpoint_record(customer=customer, **values)
    assert field in error.value.message_dict
    assert not TouchpointEvent.objects.exists()


def test_touchpoint_of_merged_customer_goes_to_survivor(customer):
    from tests.factories import CustomerFactory

    survivor = CustomerFactory()
    customer.merged_into = survivor
    customer.save()
    event = touchpoint_record(customer=customer, type="signed_up", occurred_at=days_ago(1))
    assert event.customer_id == survivor.pk
    survivor.refresh_from_db()
    assert survivor.stage == "acquisition"
