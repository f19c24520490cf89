"""POST /inbound/email/ (a mail service forwards the raw MIME message with the shared secret) and
the raw-message download for agents."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from helpdesk.roles import WORKSPACE_ROLES, role_required

from ...models import RawEmail
from .ingest import email_receive, max_email_bytes
from .selectors import raw_email_for_agent


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


def raw_email_response(raw_email: RawEmail) -> HttpResponse:
    """The stored original as an .eml download (never rendered inline)."""
    response = HttpResponse(bytes(raw_email.raw), content_type="message/rfc822")
    name = f"{raw_email.ticket.reference if raw_email.ticket_id else 'email'}-{raw_email.pk}.eml"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@role_required(*WORKSPACE_ROLES)
def message_raw(request: HttpRequest, pk: int) -> HttpResponse:
    """An agent who may see the ticket downloads the raw email behind one of its messages."""
    raw_email = raw_email_for_agent(user=request.user, message_id=pk)
    if raw_email is None:
        raise Http404("No original email for this message.")
    return raw_email_response(raw_email)
