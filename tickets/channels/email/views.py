"""POST /inbound/email/: a mail service forwards the raw MIME message with the shared secret."""

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ...models import RawEmail
from .ingest import email_receive, max_email_bytes


def _secret_ok(request: HttpRequest) -> bool:
    given = request.headers.get("X-Inbound-Secret", "")
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        given = token.strip()
    return bool(given) and constant_time_compare(given, settings.INBOUND_EMAIL_SECRET)


def _error(status: int, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


@csrf_exempt
@require_POST
def inbound_email(request: HttpRequest) -> JsonResponse:
    """202 with the stored email's id once the raw message is stored; it is processed by a task."""
    if not settings.INBOUND_EMAIL_SECRET:
        return _error(404, "Inbound email is not enabled on this helpdesk (INBOUND_EMAIL_SECRET is unset).")
    if not _secret_ok(request):
        return _error(
            403, "Send the shared secret as 'Authorization: Bearer <secret>' or 'X-Inbound-Secret'."
        )
    limit = max_email_bytes()
    if int(request.headers.get("Content-Length") or 0) > limit:
        return _error(413, f"The message is larger than the limit of {limit} bytes.")
    raw = request.read(limit + 1)
    if len(raw) > limit:
        return _error(413, f"The message is larger than the limit of {limit} bytes.")
    if not raw.strip():
        return _error(400, "The request body must be the raw MIME message (Content-Type: message/rfc822).")
    raw_email = email_receive(raw=raw, source=RawEmail.Source.HTTP, defer=True)
    return JsonResponse({"id": raw_email.pk, "state": raw_email.state}, status=202)
