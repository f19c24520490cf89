"""One error body for every API failure: {"code", "message", "errors"}."""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)


def _flatten(detail) -> tuple[str, dict]:
    """A message and a {field: [messages]} dict from DRF's error detail."""
    if isinstance(detail, dict):
        errors = {k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in detail.items()}
        first = next(iter(errors.values()), ["Invalid input."])
        message = errors.get("non_field_errors", first)[0] if errors else "Invalid input."
        if "non_field_errors" not in errors:
            message = "Invalid input: see errors."
        return message, errors
    if isinstance(detail, list):
        return (str(detail[0]) if detail else "Invalid input."), {
            "non_field_errors": [str(d) for d in detail]
        }
    return str(detail), {}


def api_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = exception_handler(exc, context)
    if response is None:
        return None  # a real server error: Django logs it and answers 500
    code = exc.default_code if isinstance(exc, exceptions.APIException) else "error"
    if isinstance(exc, exceptions.APIException) and hasattr(exc, "get_codes"):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
    message, errors = _flatten(
        response.data
        if not isinstance(response.data, dict) or "detail" not in response.data
        else response.data["detail"]
    )
    response.data = {"code": code, "message": message, "errors": errors}
    return response


def bad_request(message: str, *, code: str = "invalid", errors: dict | None = None) -> Response:
    return Response(
        {"code": code, "message": message, "errors": errors or {}}, status=status.HTTP_400_BAD_REQUEST
    )
