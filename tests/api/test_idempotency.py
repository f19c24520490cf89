import itertools

import pytest
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from api.idempotency import idempotency_records_prune, idempotent
from api.models import IdempotencyRecord
from api.services import api_token_create

pytestmark = pytest.mark.django_db
factory = APIRequestFactory()
counter = itertools.count(1)
created: list[int] = []


class CreateProbe(APIView):
    scope_resource = "tickets"

    @idempotent
    def post(self, request):
        if request.data.get("fail") == "server":
            return Response({"code": "boom"}, status=503)
        if request.data.get("fail") == "client":
            return Response({"code": "invalid"}, status=400)
        if request.data.get("fail") == "raise":
            raise RuntimeError("crash")
        created.append(next(counter))
        return Response({"id": created[-1], "echo": request.data.get("x")}, status=201)


@pytest.fixture
def raw(agent):
    created.clear()
    return api_token_create(name="t", user=agent, scopes=["all"])[1]


def post(raw: str, data: dict, key: str | None = "key-1", token: str | None = None):
    headers = {"HTTP_AUTHORIZATION": f"Token {token or raw}"}
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return CreateProbe.as_view()(factory.post("/probe/", data, format="json", **headers))


def test_repeated_post_returns_first_result_and_creates_nothing(raw):
    first = post(raw, {"x": 1})
    second = post(raw, {"x": 1})
    assert first.status_code == second.status_code == 201
    assert second.data == first.data
    assert second["Idempotent-Replayed"] == "true"
    assert len(created) == 1


def test_same_key_with_different_body_is_refused(raw):
    post(raw, {"x": 1})
    response = post(raw, {"x": 2})
    assert response.status_code == 422
    assert response.data["code"] == "idempotency_key_reused"
    assert len(created) == 1


def test_without_key_every_post_creates(raw):
    post(raw, {"x": 1}, key=None)
    post(raw, {"x": 1}, key=None)
    assert len(created) == 2


def test_keys_are_per_token(raw, agent):
    other = api_token_create(name="t2", user=agent, scopes=["all"])[1]
    post(raw, {"x": 1})
    post(raw, {"x": 1}, token=other)
    assert len(created) == 2


def test_server_error_and_exception_release_the_key(raw):
    assert post(raw, {"fail": "server"}).status_code == 503
    assert not IdempotencyRecord.objects.exists()
    with pytest.raises(RuntimeError):
        post(raw, {"fail": "raise"}, key="key-2")
    assert not IdempotencyRecord.objects.exists()


def test_client_error_is_replayed(raw):
    assert post(raw, {"fail": "client"}).status_code == 400
    assert post(raw, {"fail": "client"}).status_code == 400
    assert IdempotencyRecord.objects.get().status_code == 400


def test_in_progress_duplicate_gets_409(raw, agent):
    IdempotencyRecord.objects.create(
        principal=f"token:{agent.api_tokens.get().pk}", key="key-1", fingerprint="x" * 64
    )
    response = post(raw, {"x": 1})
    assert response.status_code in (409, 422)


@pytest.mark.parametrize("key", ["x" * 256, "bad\nkey"])
def test_invalid_keys_get_400(raw, key):
    response = post(raw, {"x": 1}, key=key)
    assert response.status_code == 400
    assert response.data["code"] == "invalid_idempotency_key"


def test_prune_forgets_old_keys(raw):
    post(raw, {"x": 1})
    from datetime import timedelta

    from django.utils import timezone

    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(days=3))
    assert idempotency_records_prune() == 1
