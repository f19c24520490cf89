"""Files attached to messages: size- and count-limited, safely named, content type sniffed."""

import os
import secrets
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from ..models import Attachment, Message
from ..sanitize import plain_text

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_PER_MESSAGE = 10
FALLBACK_NAME = "attachment"

# Magic numbers of the types we recognise; anything else is served as an opaque download.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
    (b"\x1f\x8b", "application/gzip"),
)


def max_attachment_bytes() -> int:
    return getattr(settings, "TICKETS_MAX_ATTACHMENT_BYTES", DEFAULT_MAX_BYTES)


def max_attachments_per_message() -> int:
    return getattr(settings, "TICKETS_MAX_ATTACHMENTS_PER_MESSAGE", DEFAULT_MAX_PER_MESSAGE)


def attachment_filename(name: str) -> str:
    """The uploaded name without directories, control or bidi-override characters, at most 255 chars.

    It is only ever shown (escaped) and sent in a Content-Disposition header: the stored file is
    named by a random token (see models.attachment_path).
    """
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = plain_text(name, single_line=True).strip(". ")
    name = name.replace('"', "'")
    if not name:
        return FALLBACK_NAME
    stem, ext = os.path.splitext(name)
    if len(name) > 255:
        name = stem[: 255 - len(ext[:20])] + ext[:20]
    return name


def sniff_content_type(head: bytes, filename: str) -> str:
    """The content type from the file's first bytes; never trusts the client's claim."""
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError:
            return "application/octet-stream"
        return "text/plain"
    return "application/octet-stream"


def attachment_check(*, upload: UploadedFile, already: int) -> None:
    """Raise the ValidationError attachment_add would for `upload` on a message with `already` files."""
    size = upload.size or 0
    if size <= 0:
        raise ValidationError("The attached file is empty.", code="attachment_empty")
    limit = max_attachment_bytes()
    if size > limit:
        raise ValidationError(
            f"An attachment may be at most {limit // (1024 * 1024)} MB.", code="attachment_too_large"
        )
    if already >= max_attachments_per_message():
        raise ValidationError(
            f"A message may have at most {max_attachments_per_message()} attachments.",
            code="attachment_count",
        )


@transaction.atomic
def attachment_add(*, message: Message, upload: UploadedFile, already: int | None = None) -> Attachment:
    """Store `upload` on `message`; raises ValidationError over the size or count limit.

    `already` is how many files the message has, when the caller knows (a message it just stored)."""
    if already is None:
        already = Attachment.objects.filter(message=message).count()
    attachment_check(upload=upload, already=already)
    size = upload.size
    filename = attachment_filename(getattr(upload, "name", "") or "")
    upload.seek(0)
    head = upload.read(512)
    upload.seek(0)
    attachment = Attachment(
        message=message,
        token=secrets.token_urlsafe(32),
        filename=filename,
        content_type=sniff_content_type(head, filename),
        size=size,
    )
    attachment.file.save(attachment.token, upload, save=False)
    attachment.save()
    return attachment
