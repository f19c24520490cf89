"""Attachments, served only to people who may see the ticket, and never rendered from our origin.

Safe image types are shown inline; everything else is a download sent as
application/octet-stream, with nosniff and a sandboxing CSP in case a browser tries anyway.
"""

from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from helpdesk.roles import WORKSPACE_ROLES, role_required

from ..models import Attachment
from ..selectors import attachment_for_agent

INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


@require_GET
@role_required(*WORKSPACE_ROLES)
def download(request: HttpRequest, token: str) -> FileResponse:
    try:
        attachment = attachment_for_agent(user=request.user, token=token)
    except Attachment.DoesNotExist as missing:
        raise Http404("No such attachment.") from missing
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404("The file of this attachment is missing.") from missing
    inline = attachment.content_type in INLINE_TYPES and request.GET.get("download") != "1"
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=attachment.filename,
        content_type=attachment.content_type if inline else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
