from decimal import Decimal

from lifecycle.models import Stage, StageChange
from lifecycle.services import stage_correct, touchpoint_record

from .conftest import days_ago, live_history


def test_late_event_supersedes_the_changed_past_and_appends(customer, record):
    record("purchase", 20, value=Decimal(10))
    record("purchase", 10, value=Decimal(10))
    ids_before = set(StageChange.objects.values_list("id", flat=True))
    # A sign-up that happened before everything arrives last: it goes first in the history.
    customer = record("signed_up", 30)
    history = live_history(customer)
    assert [(f, t) for f, t, _, _ in history] == [
        (None, Stage.ACQUISITION),
        (Stage.ACQUISITION, Stage.CONVERSION),
        (Stage.CONVERSION, Stage.RETENTION),
    ]
    assert history[0][2] == customer.events.get(type="signed_up").occurred_at
    assert ids_before <= set(StageChange.objects.values_list("id", flat=True)), "nothing is deleted"
    # Everything from the first row that differs on is superseded and written again, in order.
    assert StageChange.objects.filter(superseded_at__isnull=False).count() == 2
    assert not ids_before & set(
        StageChange.objects.filter(superseded_at__isnull=True).values_list("id", flat=True)
    )
    assert customer.stage == Stage.RETENTION


def test_late_event_that_changes_nothing_touches_nothing(customer, record):
    record("signed_up", 30)
    record("purchase", 10, value=Decimal(10))
    rows = list(StageChange.objects.values_list("id", "superseded_at"))
    record("visited", 20)  # forward only: a visit while in acquisition moves nothing
    assert list(StageChange.objects.values_list("id", "superseded_at")) == rows


def test_late_cancellation_rewrites_what_followed(customer, record):
    record("purchase", 30, value=Decimal(10))
    record("purchase", 5, value=Decimal(10))  # would be retention
    customer = record("cancelled", 20)
    # Cancelled at -20, then the purchase at -5 wins them back into conversion.
    assert [t for _, t, _, _ in live_history(customer)] == [Stage.CONVERSION, Stage.CHURNED, Stage.CONVERSION]
    assert customer.stage == Stage.CONVERSION


def test_late_event_keeps_manual_correction_at_its_time(customer, record, agent):
    record("signed_up", 30)
    stage_correct(customer=customer, to_stage=Stage.LOYALTY, by=agent, reason="VIP from the sales team")
    touchpoint_record(customer=customer, type="purchase", occurred_at=days_ago(10), value=Decimal(5))
    customer.refresh_from_db()
    history = live_history(customer)
    assert [(f, t, c) for f, t, _, c in history] == [
        (None, Stage.ACQUISITION, "event"),
        (Stage.ACQUISITION, Stage.CONVERSION, "event"),
        (Stage.CONVERSION, Stage.LOYALTY, "person"),
    ]
    person = StageChange.objects.get(superseded_at__isnull=True, cause="person")
    assert person.actor == agent and person.reason == "VIP from the sales team"
    assert customer.stage == Stage.LOYALTY


def test_late_event_uses_the_customer_stage_at_its_time(customer, record):
    record("purchase", 30, value=Decimal(10))
    record("cancelled", 10)
    # A support ticket opened before the cancellation: the customer was paying, not unknown.
    customer = record("support_ticket", 20)
    assert [t for _, t, _, _ in live_history(customer)] == [Stage.CONVERSION, Stage.CHURNED]
