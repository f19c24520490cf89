import pytest
from rest_framework.test import APIClient

from api.services import api_token_create
from api.throttling import TokenRateThrottle

pytestmark = pytest.mark.django_db


def test_each_token_has_its_own_rate_limit(agent, monkeypatch):
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"api": "3/minute"})
    clients = []
    for name in ("a", "b"):
        client = APIClient()
        client.credentials(
            HTTP_AUTHORIZATION=f"Token {api_token_create(name=name, user=agent, scopes=['all'])[1]}"
        )
        clients.append(client)
    statuses = [clients[0].get("/api/v1/me/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = clients[0].get("/api/v1/me/")
    assert response.json()["code"] == "throttled"
    assert "Retry-After" in response
    assert clients[1].get("/api/v1/me/").status_code == 200
