"""`Idempotency-Key` for POSTs: a repeated request returns the first result and creates nothing.

The key is claimed in its own committed transaction before the handler runs, so a concurrent
duplicate sees it (and gets 409 while the first is still running). Successful and client-error
responses are stored and replayed; a server error or an exception releases the key for a retry.
A key reused with a different request is refused with 422.
"""

import hashlib
import json
from datetime import timedelta
from functools import wraps

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from rest_framework import status
from rest_framework.response import Response

from .models import ApiToken, IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
STALE_AFTER = timedelta(minutes=5)
KEEP_FOR = timedelta(days=2)


def _principal(request) -> str:
    if isinstance(request.auth, ApiToken):
        return f"token:{request.auth.pk}"
    return f"user:{request.user.pk}"


def _jsonable(value):
    if isinstance(value, UploadedFile):
        return {"file": value.name, "size": value.size}
    return str(value)


def _fingerprint(request) -> str:
    data = request.data
    if hasattr(data, "lists"):
        data = dict(data.lists())
    payload = json.dumps(
        {"method": request.method, "path": request.path, "data": data}, sort_keys=True, default=_jsonable
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _error(code: str, message: str, http_status: int) -> Response:
    return Response({"code": code, "message": message, "errors": {}}, status=http_status)


def _claim(principal: str, key: str, fingerprint: str) -> tuple[IdempotencyRecord, bool]:
    """The record for this key and whether this request now owns it."""
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(
                principal=principal, key=key, fingerprint=fingerprint
            ), True
    except IntegrityError:
        pass
    with transaction.atomic():
        record = IdempotencyRecord.objects.select_for_update().get(principal=principal, key=key)
        if record.status_code is None and timezone.now() - record.created_at > STALE_AFTER:
            # The first attempt died mid-way long ago: let this one take over.
            record.created_at = timezone.now()
            record.fingerprint = fingerprint
            record.save(update_fields=["created_at", "fingerprint"])
            return record, True
    return record, False


def idempotent(handler):
    """Decorate a DRF view's POST handler (`create`, `post` or an action)."""

    @wraps(handler)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return handler(self, request, *args, **kwargs)
        if len(key) > MAX_KEY_LENGTH or not key.isprintable():
            return _error(
                "invalid_idempotency_key", f"{HEADER} must be 1-{MAX_KEY_LENGTH} printable characters.", 400
            )
        fingerprint = _fingerprint(request)
        record, owned = _claim(_principal(request), key, fingerprint)
        if not owned:
            if record.fingerprint != fingerprint:
                return _error(
                    "idempotency_key_reused",
                    f"This {HEADER} was used with a different request.",
                    status.HTTP_422_UNPROCESSABLE_ENTITY,
                )
            if record.status_code is None:
                return _error("request_in_progress", "A request with this key is still being processed.", 409)
            response = Response(record.response_body, status=record.status_code)
            response["Idempotent-Replayed"] = "true"
            return response
        try:
            response = handler(self, request, *args, **kwargs)
        except Exception:
            record.delete()
            raise
        if response.status_code >= 500:
            record.delete()
            return response
        record.status_code = response.status_code
        record.response_body = response.data
        record.save(update_fields=["status_code", "response_body"])
        return response

    return wrapper


def idempotency_records_prune() -> int:
    """Forget keys older than KEEP_FOR."""
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - KEEP_FOR).delete()
    return deleted


# What a replay of an erased response still answers: enough for an integration to recognise the
# object it created, nothing that names the person.
ERASED_RESPONSE_KEYS = ("id", "reference", "url", "status", "created_at")


def customer_idempotency_erase(*, customer, customer_ids: list[int], addresses: list[str]) -> dict:
    """Blank the stored API responses that name an erased customer (a LIFECYCLE_ERASE_HANDLERS entry).

    A response is kept for KEEP_FOR so that a retried POST replays it; one that holds the
    customer's name or an address of theirs is cut down to its identifiers, so a replay still
    answers with the same status and object id but no personal data.
    """
    needles = [address for address in addresses if address] + [customer.display_name or ""]
    needles = [needle for needle in needles if len(needle) >= 3]
    if not needles:
        return {"api_responses": 0}
    condition = Q()
    for needle in needles:
        condition |= Q(body_text__icontains=needle)
    found = list(
        IdempotencyRecord.objects.filter(response_body__isnull=False)
        .annotate(body_text=Cast("response_body", TextField()))
        .filter(condition)
        .only("id", "response_body")
    )
    for record in found:
        body = record.response_body if isinstance(record.response_body, dict) else {}
        record.response_body = {key: body[key] for key in ERASED_RESPONSE_KEYS if key in body} | {
            "erased": True
        }
    IdempotencyRecord.objects.bulk_update(found, ["response_body"], batch_size=500)
    return {"api_responses": len(found)}
