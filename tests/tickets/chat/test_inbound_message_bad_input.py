import pytest
from django.test import override_settings

from tickets.models import Ticket

from .conftest import payload, token_client

pytestmark = pytest.mark.django_db
URL = "/inbound/messages/"


@pytest.mark.parametrize(
    "overrides",
    [
        {"channel": "sms"},
        {"conversation_id": ["a"]},
        {"sender": "someone"},
        {"sender": {"name": "no id"}},
        {"text": {"nested": True}},
        {"text": "", "attachments": []},
        {"attachments": "https://x.test/a.jpg"},
        {"attachments": [{"url": "ftp://x.test/a.jpg"}]},
        {"attachments": [{"data": "not base64!!"}]},
        {"attachments": [{"url": "https://x.test/a", "data": "aGk="}]},
        {"idempotency_key": None},
    ],
)
def test_inbound_message_bad_types_answer_400_with_error_body(api, overrides):
    response = api.post(URL, payload(**overrides), format="json")
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"code", "message", "errors"}
    assert body["errors"]
    assert not Ticket.objects.exists()


def test_inbound_message_malformed_json_answers_400(api):
    response = api.post(URL, data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_inbound_message_json_list_answers_400(api):
    response = api.post(URL, data="[1, 2]", content_type="application/json")
    assert response.status_code == 400


@override_settings(TICKETS_MAX_ATTACHMENT_BYTES=4)
def test_inbound_message_oversized_attachment_answers_400(api):
    response = api.post(URL, payload(attachments=[{"data": "aGVsbG8gd29ybGQ="}]), format="json")
    assert response.status_code == 400
    assert not Ticket.objects.exists()


def test_inbound_message_read_scope_answers_403(integration_user):
    client = token_client(integration_user, ["tickets:read"])
    response = client.post(URL, payload(), format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_inbound_message_without_token_answers_401(client):
    response = client.post(URL, payload(), content_type="application/json")
    assert response.status_code in (401, 403)
    assert not Ticket.objects.exists()


def test_inbound_message_session_is_not_accepted(client, agent):
    client.force_login(agent)
    response = client.post(URL, payload(), content_type="application/json")
    assert response.status_code in (401, 403)
