from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from api.services import api_token_create
from lifecycle.models import Customer, LifecycleSettings, TouchpointEvent
from tests.factories import CustomerFactory, TicketFactory

pytestmark = pytest.mark.django_db


def client_for(user, scopes=("customers:write",)) -> APIClient:
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Token {api_token_create(name='t', user=user, scopes=list(scopes))[1]}"
    )
    return client


def iso(days_ago: float = 0) -> str:
    return (timezone.now() - timedelta(days=days_ago)).isoformat()


def test_create_lookup_update_customer(agent):
    client = client_for(agent)
    created = client.post(
        "/api/v1/customers/",
        {
            "display_name": "Ada",
            "emails": ["ada@example.com"],
            "external_ids": [{"source": "shop", "external_id": "42"}],
            "organization": "Acme",
            "preferred_language": "yi",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    customer_id = created.json()["id"]
    by_email = client.get("/api/v1/customers/lookup/?value=ADA@example.com").json()
    by_external = client.get("/api/v1/customers/lookup/?value=shop:42").json()
    assert by_email["id"] == by_external["id"] == customer_id
    assert client.get("/api/v1/customers/lookup/?value=nobody@example.com").status_code == 404
    patched = client.patch(
        f"/api/v1/customers/{customer_id}/",
        {"phones": ["+1 555 0100"], "marketing_consent": True},
        format="json",
    ).json()
    assert patched["marketing_consent"] is True and patched["organization"] == "Acme"


def test_create_refuses_taken_address_and_empty_identity(agent):
    CustomerFactory(email="taken@example.com")
    client = client_for(agent)
    assert (
        client.post("/api/v1/customers/", {"emails": ["taken@example.com"]}, format="json").status_code == 400
    )
    assert client.post("/api/v1/customers/", {"display_name": "Nobody"}, format="json").status_code == 400


def test_merge_moves_tickets_to_the_survivor(agent):
    ticket = TicketFactory(customer_email="old@example.com")
    source = ticket.customer
    target = CustomerFactory(email="new@example.com")
    response = client_for(agent).post(
        f"/api/v1/customers/{source.pk}/merge/", {"into": target.pk}, format="json"
    )
    assert response.status_code == 200, response.json()
    ticket.refresh_from_db()
    assert ticket.customer_id == target.pk
    assert Customer.objects.get(pk=source.pk).merged_into_id == target.pk


def test_event_is_recorded_once_and_moves_the_stage(agent):
    customer = CustomerFactory(email="buyer@example.com")
    client = client_for(agent)
    event = {
        "customer_email": "buyer@example.com",
        "type": "purchase",
        "occurred_at": iso(1),
        "source": "shop",
        "idempotency_key": "order-1",
        "value": "19.90",
    }
    first = client.post("/api/v1/lifecycle/events/", event, format="json")
    again = client.post("/api/v1/lifecycle/events/", event, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    customer.refresh_from_db()
    assert customer.stage == "conversion"
    history = client.get(f"/api/v1/customers/{customer.pk}/stage-history/").json()["results"]
    assert history[0]["to_stage"] == "conversion"


def test_bulk_events_up_to_a_thousand_with_duplicates(agent, django_assert_max_num_queries):
    customers = [CustomerFactory(email=f"c{i}@example.com") for i in range(5)]
    events = [
        {
            "customer": customers[i % 5].pk,
            "type": "visited",
            "occurred_at": iso(10 - i / 200),
            "source": "web",
            "idempotency_key": f"v{i}",
        }
        for i in range(1000)
    ]
    client = client_for(agent)
    LifecycleSettings.load()
    # Each customer is found once and all events are recorded together: the inserts are batched
    # by the database's parameter limit (9 statements on SQLite, 1 on PostgreSQL), not per event.
    with django_assert_max_num_queries(25):
        response = client.post("/api/v1/lifecycle/events/bulk/", {"events": events}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["created"] == 1000
    again = client.post("/api/v1/lifecycle/events/bulk/", {"events": events[:10]}, format="json").json()
    assert (again["created"], again["duplicates"]) == (0, 10)
    assert TouchpointEvent.objects.count() == 1000
    assert Customer.objects.get(pk=customers[0].pk).stage == "reach"


def test_bulk_refuses_more_than_a_thousand_and_names_the_bad_event(agent):
    client = client_for(agent)
    too_many = [{"customer_email": "a@example.com", "type": "visited", "occurred_at": iso()}] * 1001
    assert (
        client.post("/api/v1/lifecycle/events/bulk/", {"events": too_many}, format="json").status_code == 400
    )
    bad = [
        {"customer_email": "a@example.com", "type": "visited", "occurred_at": iso()},
        {"customer": 999999, "type": "visited", "occurred_at": iso()},
    ]
    response = client.post("/api/v1/lifecycle/events/bulk/", {"events": bad}, format="json")
    assert response.status_code == 400
    assert "events[1]" in response.json()["errors"]
    assert not TouchpointEvent.objects.exists()


@pytest.mark.parametrize(
    "event",
    [
        {"type": "visited", "occurred_at": iso()},
        {"customer_email": "a@example.com", "type": "teleported", "occurred_at": iso()},
        {"customer_email": "a@example.com", "type": "visited", "occurred_at": "yesterday"},
        {"customer_email": "a@example.com", "type": "visited", "occurred_at": iso(-2)},
        {"customer_email": "a@example.com", "customer": 1, "type": "visited", "occurred_at": iso()},
        {"customer_email": "a@example.com", "type": "purchase", "occurred_at": iso(), "value": "1e400"},
    ],
)
def test_bad_events_are_400s(agent, event):
    response = client_for(agent).post("/api/v1/lifecycle/events/", event, format="json")
    assert response.status_code == 400, response.json()


def test_customer_scope_is_needed(agent):
    client = client_for(agent, ["tickets:write"])
    assert client.get("/api/v1/customers/").status_code == 403
    assert (
        client_for(agent, ["customers:read"]).post("/api/v1/lifecycle/events/", {}, format="json").status_code
        == 403
    )


def test_create_with_the_same_address_twice_keeps_it_once(agent):
    response = client_for(agent).post(
        "/api/v1/customers/", {"emails": ["Twice@example.com", "twice@example.com"]}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["emails"] == ["twice@example.com"]
