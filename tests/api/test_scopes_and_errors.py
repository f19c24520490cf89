import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from api.scopes import allows, parse_scopes
from api.services import api_token_create

pytestmark = pytest.mark.django_db
factory = APIRequestFactory()


class EchoSerializer(serializers.Serializer):
    count = serializers.IntegerField(min_value=0, max_value=10)


class TicketsProbe(APIView):
    scope_resource = "tickets"

    def get(self, request):
        return Response({"ok": True})

    def post(self, request):
        serializer = EchoSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if serializer.validated_data["count"] == 7:
            raise DjangoValidationError("Seven is not allowed here.")
        return Response(serializer.validated_data, status=201)


class Unscoped(APIView):
    def get(self, request):
        return Response({"ok": True})


def call(view, method: str, raw: str, data=None):
    request = getattr(factory, method)("/probe/", data, format="json", HTTP_AUTHORIZATION=f"Token {raw}")
    return view.as_view()(request)


@pytest.mark.parametrize(
    ("scopes", "get_status", "post_status"),
    [
        (["tickets:read"], 200, 403),
        (["tickets:write"], 200, 201),
        (["customers:write"], 403, 403),
        (["all"], 200, 201),
    ],
)
def test_token_scopes_allow_and_refuse(agent, scopes, get_status, post_status):
    _, raw = api_token_create(name="t", user=agent, scopes=scopes)
    assert call(TicketsProbe, "get", raw).status_code == get_status
    assert call(TicketsProbe, "post", raw, {"count": 1}).status_code == post_status


def test_refusal_names_the_missing_scope(agent):
    _, raw = api_token_create(name="t", user=agent, scopes=["tickets:read"])
    response = call(TicketsProbe, "post", raw, {"count": 1})
    assert response.data["message"] == "This token needs the scope tickets:write (or all)."
    assert response.data["code"] == "permission_denied"


def test_view_without_scope_resource_refuses_every_token(agent):
    _, raw = api_token_create(name="t", user=agent, scopes=["all"])
    assert call(Unscoped, "get", raw).status_code == 403


def test_validation_errors_share_one_body(agent):
    _, raw = api_token_create(name="t", user=agent, scopes=["all"])
    response = call(TicketsProbe, "post", raw, {"count": "many"})
    assert response.status_code == 400
    assert response.data == {
        "code": "invalid",
        "message": "Invalid input: see errors.",
        "errors": {"count": ["A valid integer is required."]},
    }


def test_django_validation_error_becomes_400(agent):
    _, raw = api_token_create(name="t", user=agent, scopes=["all"])
    response = call(TicketsProbe, "post", raw, {"count": 7})
    assert response.status_code == 400
    assert response.data["message"] == "Seven is not allowed here."


def test_parse_scopes_accepts_commas_and_rejects_unknown():
    assert parse_scopes(["tickets:read,customers:write"]) == ["customers:write", "tickets:read"]
    with pytest.raises(ValueError, match="At least one"):
        parse_scopes([""])
    assert allows(["tickets:write"], "tickets", "read")
    assert not allows(["tickets:read"], "tickets", "write")
