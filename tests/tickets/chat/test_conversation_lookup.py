import pytest

from tickets.models import Ticket
from tickets.services import ticket_reply

from .conftest import payload, token_client

pytestmark = pytest.mark.django_db
URL = "/inbound/messages/"


def test_conversation_lookup_by_channel_and_id(api):
    api.post(URL, payload(conversation_id="wa/1 2"), format="json")
    response = api.get("/inbound/messages/conversations/whatsapp/wa/1 2/")
    assert response.status_code == 200
    assert response.json()["ticket"]["id"] == Ticket.objects.get().pk
    assert response.json()["sender"] == {"id": "4915100000001", "name": "Dana Levi"}


def test_conversation_lookup_unknown_answers_404(api):
    response = api.get("/inbound/messages/conversations/whatsapp/nope/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_conversation_lookup_by_ticket_for_reply_delivery(api, agent):
    api.post(URL, payload(), format="json")
    ticket = Ticket.objects.get()
    ticket_reply(ticket=ticket, by=agent, body="On its way.")
    response = api.get(f"/inbound/messages/conversations/?ticket={ticket.pk}")
    assert response.status_code == 200
    assert [c["conversation_id"] for c in response.json()] == ["wa-1"]


def test_conversation_lookup_bad_ticket_answers_400(api):
    assert api.get("/inbound/messages/conversations/?ticket=abc").status_code == 400


def test_conversation_lookup_needs_tickets_scope(integration_user):
    client = token_client(integration_user, ["customers:read"])
    assert client.get("/inbound/messages/conversations/?ticket=1").status_code == 403


def test_conversation_lookup_query_count(api, django_assert_max_num_queries):
    for n in range(12):
        api.post(URL, payload(conversation_id=f"wa-{n}", idempotency_key=f"k{n}"), format="json")
    ticket = Ticket.objects.first()
    with django_assert_max_num_queries(6):
        response = api.get(f"/inbound/messages/conversations/?ticket={ticket.pk}")
    assert response.status_code == 200


def test_inbound_webhook_is_in_the_api_docs(api, admin_user, client):
    client.force_login(admin_user)
    schema = client.get("/api/schema/").content.decode()
    assert "/inbound/messages/" in schema
    assert "inbound_message_create" in schema
    assert "message.created" in schema
