"""Stage corrections and customer merges go to the audit log, naming the customer by id only."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditEntry
from lifecycle.models import Stage
from lifecycle.services import customer_merge, stage_correct
from tests.factories import CustomerFactory

from .conftest import days_ago


def test_stage_correction_is_audited_with_from_to_and_reason(customer, record, manager):
    record("visited", 3)
    correction = stage_correct(
        customer=customer, to_stage=Stage.CONVERSION, by=manager, reason="Paid by bank transfer"
    )
    entry = AuditEntry.objects.get(action=AuditEntry.Action.STAGE_CORRECTED)
    assert (entry.actor, entry.target_type, entry.target_id) == (
        manager,
        "lifecycle.customer",
        str(customer.pk),
    )
    assert entry.target_repr == f"Customer #{customer.pk}"
    assert customer.display_name not in entry.target_repr
    assert entry.details == {
        "from": Stage.REACH,
        "to": Stage.CONVERSION,
        "stage_now": Stage.CONVERSION,
        "reason": "Paid by bank transfer",
        "occurred_at": correction.occurred_at.isoformat(),
        "correction": correction.pk,
    }


def test_backdated_correction_records_its_time_and_the_resulting_stage(customer, record, agent):
    record("purchase", 1)
    at = days_ago(5)
    stage_correct(customer=customer, to_stage=Stage.ACQUISITION, by=agent, reason="Lead", occurred_at=at)
    details = AuditEntry.objects.get(action="stage_corrected").details
    assert (details["from"], details["to"], details["stage_now"]) == (
        "conversion",
        "acquisition",
        "conversion",
    )
    assert details["occurred_at"] == at.isoformat()


def test_refused_correction_records_nothing(customer, agent):
    with pytest.raises(ValidationError):
        stage_correct(customer=customer, to_stage=Stage.LOYALTY, by=agent, reason="")
    assert not AuditEntry.objects.filter(action="stage_corrected").exists()


def test_customer_merge_is_audited_on_the_survivor(customer, agent):
    duplicate = CustomerFactory(display_name="Duplicate Person")
    customer_merge(source=duplicate, target=customer, by=agent)
    entry = AuditEntry.objects.get(action=AuditEntry.Action.CUSTOMER_MERGED)
    assert (entry.actor, entry.target_id, entry.target_repr) == (
        agent,
        str(customer.pk),
        f"Customer #{customer.pk}",
    )
    assert entry.details["source"] == duplicate.pk and entry.details["target"] == customer.pk
    assert "Duplicate Person" not in str(entry.details)


def test_merge_and_correction_from_the_customer_page_are_audited(client, customer, agent):
    duplicate = CustomerFactory()
    client.force_login(agent)
    merged = client.post(
        f"/customers/{customer.pk}/merge/", {"other": f"customer{duplicate.pk}@example.test", "confirm": "on"}
    )
    corrected = client.post(
        f"/customers/{customer.pk}/stage/", {"to_stage": "loyalty", "reason": "Key account"}
    )
    assert merged.status_code == corrected.status_code == 302
    actions = list(
        AuditEntry.objects.filter(actor=agent)
        .exclude(action="login")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["customer_merged", "stage_corrected"]
