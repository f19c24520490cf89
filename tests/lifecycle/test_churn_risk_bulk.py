"""The KPI workers hand churn-risk scores to lifecycle many at a time."""

import pytest
from django.core.exceptions import ValidationError

from lifecycle.models import Customer
from lifecycle.services import customers as customer_services
from lifecycle.services import customers_set_churn_risk
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_scores_and_reasons_are_stored_for_every_customer_given(monkeypatch):
    monkeypatch.setattr(customer_services, "RISK_BATCH", 2)  # several statements
    ada, bob, cy, untouched = CustomerFactory.create_batch(4)
    updated = customers_set_churn_risk(
        scores={
            ada.pk: (0.75, ["Two complaints this month", "Reopened “twice”"]),
            bob.pk: (0.0, []),
            cy.pk: (1.0, ["שלוש פניות חוזרות"]),
            999_999: (0.5, ["No such customer"]),
        }
    )
    assert updated == 3
    stored = {c.pk: (c.churn_risk_score, c.churn_risk_reasons) for c in Customer.objects.all()}
    assert stored[ada.pk] == (0.75, ["Two complaints this month", "Reopened “twice”"])
    assert stored[bob.pk] == (0.0, [])
    assert stored[cy.pk] == (1.0, ["שלוש פניות חוזרות"])
    assert stored[untouched.pk] == (untouched.churn_risk_score, untouched.churn_risk_reasons)


def test_a_score_outside_zero_to_one_is_refused_and_nothing_is_stored():
    customer = CustomerFactory()
    with pytest.raises(ValidationError):
        customers_set_churn_risk(scores={customer.pk: (0.4, []), customer.pk + 1: (1.5, ["too high"])})
    customer.refresh_from_db()
    assert customer.churn_risk_score == 0.0


def test_the_same_figures_on_postgresql(postgres):
    customers = CustomerFactory.create_batch(3)
    scores = {c.pk: (round(0.1 * (i + 1), 4), [f"reason {i}"]) for i, c in enumerate(customers)}
    assert customers_set_churn_risk(scores=scores) == 3
    assert {c.pk: (c.churn_risk_score, c.churn_risk_reasons) for c in Customer.objects.all()} == scores
