from datetime import timedelta

import pytest
from django.utils import timezone

from lifecycle.models import Customer, StageChange
from lifecycle.services import touchpoint_record
from tests.factories import CustomerFactory


def days_ago(days: float):
    return timezone.now() - timedelta(days=days)


def live_history(customer: Customer) -> list[tuple]:
    return list(
        StageChange.objects.filter(customer=customer, superseded_at__isnull=True)
        .order_by("occurred_at", "id")
        .values_list("from_stage", "to_stage", "occurred_at", "cause")
    )


def derived_stage(customer: Customer) -> str | None:
    last = (
        StageChange.objects.filter(customer=customer, superseded_at__isnull=True)
        .order_by("-occurred_at", "-id")
        .first()
    )
    return last.to_stage if last else None


@pytest.fixture
def customer(db):
    return CustomerFactory()


@pytest.fixture
def record(customer):
    """record(type, days_ago, **fields): a touchpoint of the test's customer, returns it fresh."""

    def _record(type: str, ago: float, target=None, **fields):
        who = target or customer
        touchpoint_record(customer=who, type=type, occurred_at=days_ago(ago), **fields)
        who.refresh_from_db()
        return who

    return _record
