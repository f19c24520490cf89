import pytest
from django.core.exceptions import ValidationError

from lifecycle.models import Stage, StageChange, StageCorrection
from lifecycle.services import stage_correct

from .conftest import derived_stage


def test_stage_correct_records_a_person_change(customer, record, manager):
    record("visited", 3)
    stage_correct(customer=customer, to_stage=Stage.CONVERSION, by=manager, reason="Paid by bank transfer")
    customer.refresh_from_db()
    change = StageChange.objects.filter(superseded_at__isnull=True).order_by("occurred_at", "id").last()
    assert (change.from_stage, change.to_stage, change.cause) == (Stage.REACH, Stage.CONVERSION, "person")
    assert change.actor == manager and change.reason == "Paid by bank transfer"
    assert change.correction == StageCorrection.objects.get()
    assert customer.stage == Stage.CONVERSION == derived_stage(customer)


def test_stage_correct_may_move_backwards(customer, record, agent):
    record("purchase", 3)
    stage_correct(customer=customer, to_stage=Stage.ACQUISITION, by=agent, reason="Test order, not a sale")
    customer.refresh_from_db()
    assert customer.stage == Stage.ACQUISITION


@pytest.mark.parametrize("reason", ["", "   "])
def test_stage_correct_without_reason_is_refused(customer, agent, reason):
    with pytest.raises(ValidationError) as error:
        stage_correct(customer=customer, to_stage=Stage.LOYALTY, by=agent, reason=reason)
    assert "reason" in error.value.message_dict
    assert not StageChange.objects.exists()


def test_stage_correct_to_the_current_stage_is_refused(customer, record, agent):
    record("visited", 1)
    with pytest.raises(ValidationError):
        stage_correct(customer=customer, to_stage=Stage.REACH, by=agent, reason="No change")


def test_stage_correct_to_unknown_stage_is_refused(customer, agent):
    with pytest.raises(ValidationError):
        stage_correct(customer=customer, to_stage="promoted", by=agent, reason="x")
