from decimal import Decimal

from lifecycle.models import Customer, Stage
from tests.factories import CustomerFactory

from .conftest import days_ago


def test_customer_page_shows_stage_risk_contacts_and_one_timeline(client, agent, customer, record, settings):
    settings.LIFECYCLE_TIMELINE_PROVIDERS = ["tests.lifecycle.fake_hooks.ticket_items"]
    record("signed_up", 3)
    record("purchase", 2, value=Decimal("49.90"))
    Customer.objects.filter(pk=customer.pk).update(
        churn_risk_score=0.7, churn_risk_reasons=["Two low ratings"]
    )
    client.force_login(agent)
    response = client.get(f"/customers/{customer.pk}/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Conversion" in content and "Two low ratings" in content and "High" in content
    assert f"customer{customer.pk}@example.test" in content
    kinds = [item.kind for item in response.context["timeline"]]
    assert kinds[0] == "ticket"  # newest first: the provider's item is "now"
    assert sorted(kinds) == ["stage", "stage", "ticket", "touchpoint", "touchpoint"]
    times = [item.occurred_at for item in response.context["timeline"]]
    assert times == sorted(times, reverse=True)
    assert "HD-7 Cannot log in" in content


def test_customer_page_corrects_the_stage(client, agent, customer, record):
    record("visited", 3)
    client.force_login(agent)
    response = client.post(
        f"/customers/{customer.pk}/stage/", {"to_stage": "conversion", "reason": "Paid by phone"}
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.stage == Stage.CONVERSION


def test_customer_page_correction_without_reason_is_a_form_error(client, agent, customer):
    client.force_login(agent)
    response = client.post(f"/customers/{customer.pk}/stage/", {"to_stage": "conversion", "reason": " "})
    assert response.status_code == 400
    assert response.context["correction_form"].errors
    customer.refresh_from_db()
    assert customer.stage is None


def test_customer_page_merges_a_duplicate_by_address(client, agent, customer):
    duplicate = CustomerFactory(email="dup@example.test")
    client.force_login(agent)
    response = client.post(f"/customers/{customer.pk}/merge/", {"other": "DUP@example.test", "confirm": "on"})
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.merged_into == customer
    # The duplicate's page now leads to the survivor.
    assert client.get(f"/customers/{duplicate.pk}/")["Location"] == f"/customers/{customer.pk}/"


def test_customer_page_merge_errors_are_form_errors(client, agent, customer):
    client.force_login(agent)
    unknown = client.post(
        f"/customers/{customer.pk}/merge/", {"other": "nobody@example.test", "confirm": "on"}
    )
    assert unknown.status_code == 400 and unknown.context["merge_form"].errors
    itself = client.post(
        f"/customers/{customer.pk}/merge/", {"other": f"customer{customer.pk}@example.test", "confirm": "on"}
    )
    assert itself.status_code == 400
    unconfirmed = client.post(f"/customers/{customer.pk}/merge/", {"other": "x@example.test"})
    assert unconfirmed.status_code == 400


def test_customer_page_query_count(client, agent, customer, record, django_assert_max_num_queries):
    for index in range(12):
        record("visited" if index % 2 else "purchase", 30 - index, value=Decimal(1))
    client.force_login(agent)
    with django_assert_max_num_queries(14):
        response = client.get(f"/customers/{customer.pk}/")
    assert len(response.context["timeline"]) > 12
    assert days_ago(31) < response.context["timeline"][-1].occurred_at
