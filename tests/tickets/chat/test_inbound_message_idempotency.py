import pytest

from tickets.models import Message, Ticket

from .conftest import payload

pytestmark = pytest.mark.django_db
URL = "/inbound/messages/"


def test_inbound_message_same_key_twice_creates_nothing(api):
    first = api.post(URL, payload(), format="json")
    again = api.post(URL, payload(), format="json")
    assert again.status_code == 200
    assert again.json()["created"] is False
    assert again.json()["message"] == first.json()["message"]
    assert Ticket.objects.count() == 1
    assert Message.objects.count() == 1


def test_inbound_message_same_key_on_other_channel_is_another_message(api):
    api.post(URL, payload(), format="json")
    api.post(URL, payload(channel="facebook"), format="json")
    assert Message.objects.count() == 2


def test_inbound_message_key_reused_for_another_conversation_is_422(api):
    api.post(URL, payload(), format="json")
    response = api.post(URL, payload(conversation_id="another-conversation"), format="json")
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Message.objects.count() == 1
