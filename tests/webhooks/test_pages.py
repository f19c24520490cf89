import pytest

from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("role", "status"), [("agent", 403), ("manager", 403), ("admin_user", 200)])
def test_webhook_pages_are_for_admins(client, request, role, status):
    client.force_login(request.getfixturevalue(role))
    assert client.get("/settings/webhooks/").status_code == status


def test_admin_registers_endpoint_and_sees_secret(client, admin_user, receiver):
    client.force_login(admin_user)
    response = client.post("/settings/webhooks/", {"url": receiver.url, "events": ["ticket.created"]})
    endpoint = Endpoint.objects.get()
    assert response["Location"] == f"/settings/webhooks/{endpoint.pk}/"
    assert endpoint.secret in client.get(response["Location"]).content.decode()


def test_private_target_is_a_form_error(client, admin_user, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    client.force_login(admin_user)
    response = client.post("/settings/webhooks/", {"url": "http://127.0.0.1/x", "events": ["ticket.created"]})
    assert response.status_code == 200
    assert "such targets are refused" in response.content.decode()
    assert not Endpoint.objects.exists()


def test_endpoint_page_lists_deliveries_in_fixed_queries(
    client, admin_user, receiver, django_assert_max_num_queries
):
    endpoint = Endpoint.objects.create(url=receiver.url, events=["ticket.created"])
    Delivery.objects.bulk_create(
        Delivery(endpoint=endpoint, event_type="ticket.created", event_key=f"k{i}", payload={})
        for i in range(30)
    )
    client.force_login(admin_user)
    with django_assert_max_num_queries(8):
        response = client.get(f"/settings/webhooks/{endpoint.pk}/")
    assert response.content.decode().count("Resend</button>") == 30


def test_rotate_secret_and_edit(client, admin_user, receiver):
    endpoint = Endpoint.objects.create(url=receiver.url, events=["ticket.created"])
    old = endpoint.secret
    client.force_login(admin_user)
    client.post(f"/settings/webhooks/{endpoint.pk}/rotate-secret/")
    client.post(f"/settings/webhooks/{endpoint.pk}/", {"events": ["ticket.updated"], "description": "CRM"})
    endpoint.refresh_from_db()
    assert endpoint.secret != old
    assert endpoint.events == ["ticket.updated"]
    assert endpoint.is_active is False  # the unchecked box pauses it
