import pytest
from rest_framework.test import APIClient

from api.services import api_token_create
from helpdesk.roles import AGENT
from tests.factories import staff_user


@pytest.fixture
def integration_user(db):
    return staff_user(AGENT, username="chat_bridge")


def token_client(user, scopes: list[str]) -> APIClient:
    _, raw = api_token_create(name="chat bridge", user=user, scopes=scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


@pytest.fixture
def api(integration_user):
    return token_client(integration_user, ["tickets:write"])


def payload(**overrides) -> dict:
    data = {
        "channel": "whatsapp",
        "conversation_id": "wa-1",
        "sender": {"id": "4915100000001", "name": "Dana Levi"},
        "text": "My parcel has not arrived.",
        "idempotency_key": "key-1",
    }
    data.update(overrides)
    return data
