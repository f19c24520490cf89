"""Each lifecycle rule as a row: starting stage, event, expected stage (LIFECYCLE.md)."""

from decimal import Decimal

import pytest

from lifecycle.models import Stage, StageChange
from lifecycle.services import touchpoint_record

from .conftest import days_ago, derived_stage

S = Stage
RULES = [
    # (events before, as (type, value); the event under test; expected stage after it)
    ([], ("visited", None), S.REACH),
    ([], ("subscribed", None), S.REACH),
    ([], ("campaign_click", None), S.REACH),
    ([], ("support_ticket", None), S.REACH),
    ([], ("signed_up", None), S.ACQUISITION),
    ([], ("trial_started", None), S.ACQUISITION),
    ([], ("lead_created", None), S.ACQUISITION),
    ([], ("presales_question", None), S.ACQUISITION),
    ([], ("purchase", "20"), S.CONVERSION),
    ([], ("subscription_started", "20"), S.CONVERSION),
    ([("visited", None)], ("purchase", "20"), S.CONVERSION),
    ([("purchase", "20")], ("purchase", "20"), S.RETENTION),
    ([("purchase", "20")], ("renewal", "20"), S.RETENTION),
    ([("purchase", "1")] * 4, ("purchase", "1"), S.LOYALTY),
    ([("purchase", "20")], ("nps", "9"), S.LOYALTY),
    ([("purchase", "20")], ("nps", "10"), S.LOYALTY),
    ([("purchase", "20")], ("nps", "8"), S.CONVERSION),
    ([("purchase", "20")], ("referral", None), S.LOYALTY),
    # Loyalty signals need a paying customer.
    ([("visited", None)], ("referral", None), S.REACH),
    ([("visited", None)], ("nps", "10"), S.REACH),
    # Forward only.
    ([("signed_up", None)], ("visited", None), S.ACQUISITION),
    ([("purchase", "20")], ("signed_up", None), S.CONVERSION),
    ([("purchase", "20"), ("purchase", "20")], ("support_ticket", None), S.RETENTION),
    ([("visited", None)], ("support_ticket", None), S.REACH),
    # Churn from any stage.
    ([], ("cancelled", None), S.CHURNED),
    ([("visited", None)], ("cancelled", None), S.CHURNED),
    ([("signed_up", None)], ("refund", None), S.CHURNED),
    ([("purchase", "20")], ("cancelled", None), S.CHURNED),
    ([("purchase", "1")] * 5, ("refund", None), S.CHURNED),
    # Churned: only a purchase moves them, and only into conversion (won back).
    ([("purchase", "20"), ("cancelled", None)], ("purchase", "20"), S.CONVERSION),
    ([("purchase", "20"), ("cancelled", None)], ("renewal", "20"), S.CONVERSION),
    ([("purchase", "20"), ("cancelled", None)], ("visited", None), S.CHURNED),
    ([("purchase", "20"), ("cancelled", None)], ("referral", None), S.CHURNED),
    ([("purchase", "20"), ("cancelled", None)], ("support_ticket", None), S.CHURNED),
    # Nothing moves on other events.
    ([], ("other", None), None),
    ([("purchase", "20")], ("other", None), S.CONVERSION),
]


@pytest.mark.parametrize(("before", "event", "expected"), RULES)
def test_rule_moves_customer_to_expected_stage(customer, before, event, expected):
    for offset, (type_, value) in enumerate(before):
        touchpoint_record(
            customer=customer, type=type_, occurred_at=days_ago(10 - offset * 0.1), value=_dec(value)
        )
    touchpoint_record(customer=customer, type=event[0], occurred_at=days_ago(5), value=_dec(event[1]))
    customer.refresh_from_db()
    assert customer.stage == expected
    assert derived_stage(customer) == expected


def test_rule_retention_after_window_when_still_active(customer, record):
    record("purchase", 100, value=Decimal("10"))
    customer = record("visited", 5)
    assert customer.stage == S.RETENTION
    change = StageChange.objects.filter(customer=customer, to_stage=S.RETENTION).get()
    assert change.cause == StageChange.Cause.EVENT and "90 days" in change.reason


def test_rule_no_retention_inside_window(customer, record):
    record("purchase", 60, value=Decimal("10"))
    assert record("visited", 5).stage == S.CONVERSION


def test_rule_inactivity_churns_at_the_end_of_the_window(customer, record):
    record("purchase", 400, value=Decimal("10"))
    customer = record("visited", 10)
    # Inactive from day -400 for 180 days: churned at day -220; the visit cannot win them back.
    churn = StageChange.objects.get(customer=customer, to_stage=S.CHURNED)
    assert churn.cause == StageChange.Cause.RULE
    assert abs((churn.occurred_at - days_ago(220)).total_seconds()) < 5
    assert customer.stage == S.CHURNED


def test_rule_change_records_from_to_time_and_event(customer):
    event = touchpoint_record(customer=customer, type="signed_up", occurred_at=days_ago(3))
    change = StageChange.objects.get(customer=customer)
    assert (change.from_stage, change.to_stage, change.occurred_at) == (
        None,
        S.ACQUISITION,
        event.occurred_at,
    )
    assert change.cause == StageChange.Cause.EVENT and change.event == event and change.reason
    customer.refresh_from_db()
    assert customer.stage_since == event.occurred_at and customer.last_activity_at == event.occurred_at


def _dec(value):
    return None if value is None else Decimal(value)
