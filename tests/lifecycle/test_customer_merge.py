from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from lifecycle.models import Customer, CustomerMerge, Stage, StageChange
from lifecycle.services import (
    customer_email_add,
    customer_external_id_add,
    customer_merge,
    customer_phone_add,
)
from tests.factories import CustomerFactory

from . import fake_hooks
from .conftest import days_ago, derived_stage, live_history


@pytest.fixture
def merge_handler(settings):
    settings.LIFECYCLE_MERGE_HANDLERS = ["tests.lifecycle.fake_hooks.record_merge"]
    fake_hooks.merges.clear()
    return fake_hooks.merges


def test_customer_merge_moves_everything_to_the_survivor(customer, record, agent, merge_handler):
    duplicate = CustomerFactory(display_name="Dup")
    customer_phone_add(customer=duplicate, number="+1 555 0100")
    customer_external_id_add(customer=duplicate, source="shop", external_id="42")
    record("signed_up", 30)
    record("purchase", 20, target=duplicate, value=Decimal(10))
    record("purchase", 10, target=duplicate, value=Decimal(10))
    duplicate_rows = set(StageChange.objects.filter(customer=duplicate).values_list("id", flat=True))

    survivor = customer_merge(source=duplicate, target=customer, by=agent)

    duplicate.refresh_from_db()
    assert duplicate.merged_into == survivor and duplicate.stage is None
    assert set(survivor.emails.values_list("address", flat=True)) == {
        f"customer{customer.pk}@example.test",
        f"customer{duplicate.pk}@example.test",
    }
    assert survivor.emails.filter(is_primary=True).count() == 1
    assert survivor.phones.get().number == "+15550100"
    assert survivor.external_ids.get().external_id == "42"
    assert survivor.events.count() == 3
    assert [t for _, t, _, _ in live_history(survivor)] == [
        Stage.ACQUISITION,
        Stage.CONVERSION,
        Stage.RETENTION,
    ]
    survivor.refresh_from_db()
    assert survivor.stage == Stage.RETENTION == derived_stage(survivor)
    # The duplicate's history is kept, superseded, for readers following the table.
    assert (
        set(
            StageChange.objects.filter(customer=duplicate, superseded_at__isnull=False).values_list(
                "id", flat=True
            )
        )
        == duplicate_rows
    )
    assert merge_handler == [(duplicate.pk, customer.pk)]
    assert CustomerMerge.objects.get().by == agent


def test_customer_merge_into_itself_is_refused(customer, agent):
    with pytest.raises(ValidationError):
        customer_merge(source=customer, target=customer, by=agent)


def test_customer_merge_of_merged_customer_is_refused(customer, agent):
    other, third = CustomerFactory(), CustomerFactory()
    customer_merge(source=other, target=customer, by=agent)
    with pytest.raises(ValidationError):
        customer_merge(source=other, target=third, by=agent)


def test_customer_merge_handler_failure_rolls_everything_back(customer, agent, settings):
    settings.LIFECYCLE_MERGE_HANDLERS = ["tests.lifecycle.test_customer_merge.failing_handler"]
    other = CustomerFactory()
    with pytest.raises(RuntimeError):
        customer_merge(source=other, target=customer, by=agent)
    other.refresh_from_db()
    assert other.merged_into is None and other.emails.count() == 1


def test_customer_merge_moves_the_portal_login_when_the_survivor_has_none(customer, agent, customer_user):
    portal = Customer.objects.get(user=customer_user)
    customer_merge(source=portal, target=customer, by=agent)
    customer.refresh_from_db()
    assert customer.user == customer_user


def test_customer_email_add_refuses_another_customers_address(customer):
    other = CustomerFactory()
    with pytest.raises(ValidationError):
        customer_email_add(customer=customer, address=other.emails.get().address.upper())


def failing_handler(*, source, target):
    raise RuntimeError("tickets could not be moved")


def test_customer_merge_replays_from_the_earliest_moved_event(customer, record, agent):
    record("purchase", 10, value=Decimal(1))
    duplicate = CustomerFactory()
    record("cancelled", 5, target=duplicate)
    customer_merge(source=duplicate, target=customer, by=agent)
    customer.refresh_from_db()
    assert customer.stage == Stage.CHURNED
    assert days_ago(6) < customer.stage_since < days_ago(4)
