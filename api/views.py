from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from helpdesk import roles
from helpdesk.roles import role_required

from .forms import ApiTokenForm
from .models import ApiToken
from .services import api_token_create, api_token_revoke


@role_required(roles.ADMIN)
def token_list(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, raw = api_token_create(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            return render(request, "api/token_created.html", {"token": token, "raw": raw, "nav": "admin"})
    tokens = ApiToken.objects.select_related("user", "created_by")[:500]
    return render(request, "api/token_list.html", {"form": form, "tokens": tokens, "nav": "admin"})


@require_POST
@role_required(roles.ADMIN)
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk)
    api_token_revoke(token=token, by=request.user)
    messages.success(
        request, f"Token “{token.name}” was revoked; integrations using it are refused from now on."
    )
    return redirect("api:token_list")


class MeView(APIView):
    """Who the request is authenticated as, and the token's scopes: for integrations to check their setup."""

    scope_resource = "*"

    @extend_schema(
        responses=inline_serializer(
            "Me",
            {
                "username": serializers.CharField(),
                "roles": serializers.ListField(child=serializers.CharField()),
                "token": serializers.DictField(allow_null=True),
            },
        )
    )
    def get(self, request):
        token = request.auth if isinstance(request.auth, ApiToken) else None
        return Response(
            {
                "username": request.user.get_username(),
                "roles": sorted(roles.user_roles(request.user)),
                "token": {"name": token.name, "scopes": token.scopes} if token else None,
            }
        )
