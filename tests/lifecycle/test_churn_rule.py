from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from lifecycle.models import Customer, ExitSurvey, Stage, StageChange
from lifecycle.services import churn_inactive_customers, exit_surveys_dispatch
from lifecycle.tasks import lifecycle_churn_inactive
from mail.models import OutboundEmail
from tests.factories import CustomerFactory

from .conftest import derived_stage


def test_churn_rule_churns_inactive_paying_customers_at_the_deadline(customer, record):
    record("purchase", 200, value=Decimal(5))  # churns at once: the window ran out 20 days ago
    customer.refresh_from_db()
    assert customer.stage == Stage.CHURNED
    # As if the customer had been recorded without the rule: the periodic task catches up.
    Customer.objects.filter(pk=customer.pk).update(
        stage=Stage.CONVERSION, stage_since=customer.last_activity_at
    )
    StageChange.objects.filter(to_stage=Stage.CHURNED).delete()
    assert ExitSurvey.objects.filter(customer=customer).count() == 1  # asked when the purchase came in
    ExitSurvey.objects.all().delete()
    now = timezone.now()
    assert churn_inactive_customers(now=now) == (1, 1)  # churned 20 days ago: still worth asking
    change = StageChange.objects.get(to_stage=Stage.CHURNED)
    assert change.cause == StageChange.Cause.RULE and change.recorded_at == now
    assert change.from_stage == Stage.CONVERSION
    assert change.occurred_at == customer.last_activity_at + timedelta(days=180)
    customer.refresh_from_db()
    assert customer.stage == Stage.CHURNED == derived_stage(customer)
    assert customer.stage_since == change.occurred_at


def test_churn_rule_leaves_active_and_unpaid_customers(record, customer):
    active = CustomerFactory()
    record("purchase", 100, target=active, value=Decimal(5))
    prospect = CustomerFactory()
    record("signed_up", 400, target=prospect)
    assert churn_inactive_customers() == (0, 0)
    assert Customer.objects.get(pk=active.pk).stage == Stage.CONVERSION
    assert Customer.objects.get(pk=prospect.pk).stage == Stage.ACQUISITION


def test_churn_rule_customer_without_history_churns_from_stored_stage(db):
    long_ago = timezone.now() - timedelta(days=365)
    imported = CustomerFactory()
    Customer.objects.filter(pk=imported.pk).update(
        stage=Stage.LOYALTY, stage_since=long_ago, last_activity_at=long_ago
    )
    churned, surveys = churn_inactive_customers()
    assert (churned, surveys) == (1, 0)  # churned half a year ago: too late to ask why
    assert StageChange.objects.get().from_stage == Stage.LOYALTY


def test_churn_task_queues_survey_emails_in_bulk(db, django_capture_on_commit_callbacks):
    customers = [CustomerFactory() for _ in range(12)]
    recent = timezone.now() - timedelta(days=185)
    Customer.objects.filter(pk__in=[c.pk for c in customers]).update(
        stage=Stage.CONVERSION, stage_since=recent, last_activity_at=recent
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = lifecycle_churn_inactive.delay().get()
    assert result == {"churned": 12, "surveys": 12, "emails": 12}
    assert ExitSurvey.objects.filter(email_queued_at__isnull=False).count() == 12
    email = OutboundEmail.objects.order_by("pk").first()
    assert email.headers["Auto-Submitted"] == "auto-generated"
    assert "/customers/survey/" in email.body_text
    # Running again changes nothing.
    assert lifecycle_churn_inactive.delay().get() == {"churned": 0, "surveys": 0, "emails": 0}


def _due(count: int) -> list[Customer]:
    customers = [CustomerFactory() for _ in range(count)]
    recent = timezone.now() - timedelta(days=185)
    Customer.objects.filter(pk__in=[c.pk for c in customers]).update(
        stage=Stage.CONVERSION, stage_since=recent, last_activity_at=recent
    )
    return customers


def test_churn_rule_churns_every_chunk(db):
    _due(12)
    assert churn_inactive_customers(chunk=5) == (12, 12)
    assert set(Customer.objects.values_list("stage", flat=True)) == {Stage.CHURNED}
    assert StageChange.objects.filter(cause=StageChange.Cause.RULE).count() == 12
    assert churn_inactive_customers(chunk=5) == (0, 0)


def test_exit_survey_emails_are_queued_in_a_few_statements(db, django_assert_max_num_queries):
    _due(12)
    churn_inactive_customers()
    # Surveys with their recipients, emails, surveys marked (and the savepoints around them).
    with django_assert_max_num_queries(7):
        assert exit_surveys_dispatch() == 12
    assert OutboundEmail.objects.count() == 12
    recipients = sorted(
        address for to in OutboundEmail.objects.values_list("to", flat=True) for address in to
    )
    assert recipients == sorted(
        f"customer{pk}@example.test" for pk in Customer.objects.values_list("pk", flat=True)
    )
