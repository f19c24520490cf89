"""Turn raw RFC 5322 bytes into a ParsedEmail with the standard library (policy=default)."""

import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser
from email.utils import getaddresses, parseaddr

from ...sanitize import html_to_text

_ID_TOKEN = re.compile(r"<[^<>\s]+>")


class UnparseableEmail(ValueError):
    """The bytes are not an email we can read (no sender, broken structure)."""


@dataclass
class ParsedAttachment:
    filename: str
    content_type: str
    content: bytes
    content_id: str = ""


@dataclass
class ParsedEmail:
    message_id: str
    from_address: str
    from_name: str
    subject: str
    text: str
    html: str
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    attachments: list[ParsedAttachment] = field(default_factory=list)
    headers: EmailMessage | None = None

    @property
    def thread_ids(self) -> list[str]:
        """Ids this message answers, nearest first."""
        seen: list[str] = []
        for value in [*self.in_reply_to, *reversed(self.references)]:
            if value not in seen:
                seen.append(value)
        return seen


def message_ids(value: str | None) -> list[str]:
    """The <ids> in a Message-ID, In-Reply-To or References header, in order."""
    return _ID_TOKEN.findall(str(value or ""))


def header_text(message: EmailMessage, name: str) -> str:
    """A header's decoded text (RFC 2047 words decoded); a malformed header yields its raw text."""
    try:
        value = message.get(name)
    except Exception:  # the modern policy can raise on headers it cannot model
        value = message.get_all(name, [""])[0] if hasattr(message, "get_all") else ""
    return " ".join(str(value or "").split())


def peek_message_id(raw: bytes) -> str:
    """The Message-ID from the headers alone, cheaply, for de-duplication before the full parse."""
    try:
        headers = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
    except Exception:
        return ""
    ids = message_ids(headers.get("Message-ID"))
    return ids[0][:998] if ids else ""


def envelope_summary(raw: bytes) -> tuple[str, str]:
    """(sender address, subject) from the headers alone, best effort, for the quarantine list."""
    try:
        headers = BytesParser(policy=policy.default).parsebytes(raw, headersonly=True)
        address = parseaddr(header_text(headers, "From"))[1]
        return address.lower()[:254], header_text(headers, "Subject")[:500]
    except Exception:
        return "", ""


def parse_email(raw: bytes) -> ParsedEmail:
    """Parse `raw`; raises UnparseableEmail when there is no usable sender."""
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception as exc:
        raise UnparseableEmail(f"The message cannot be parsed: {exc}") from exc
    name, address = parseaddr(header_text(message, "From"))
    if "@" not in address:
        raise UnparseableEmail("The message has no sender address (From).")
    text, html, attachments = _body_parts(message)
    if not text and html:
        text = html_to_text(html)
    ids = message_ids(message.get("Message-ID"))
    return ParsedEmail(
        message_id=ids[0][:998] if ids else "",
        from_address=address.strip().lower(),
        from_name=name,
        subject=header_text(message, "Subject"),
        text=text,
        html=html,
        in_reply_to=message_ids(message.get("In-Reply-To")),
        references=message_ids(message.get("References")),
        recipients=_recipients(message),
        attachments=attachments,
        headers=message,
    )


def _recipients(message: EmailMessage) -> list[str]:
    values = []
    for name in ("To", "Cc", "Delivered-To", "X-Original-To"):
        values.extend(str(v) for v in message.get_all(name, []))
    return [address.lower() for _, address in getaddresses(values) if "@" in address]


def _decode(part: EmailMessage) -> str:
    """A text part's content; a wrong or unknown declared charset falls back to UTF-8, then Latin-1."""
    payload = part.get_payload(decode=True) or b""
    charset = part.get_content_charset() or "utf-8"
    for candidate in (charset, "utf-8"):
        try:
            return payload.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("latin-1")


def _body_parts(message: EmailMessage) -> tuple[str, str, list[ParsedAttachment]]:
    text = html = ""
    attachments: list[ParsedAttachment] = []
    for part in _leaf_parts(message):
        content_type = part.get_content_type()
        disposition = part.get_content_disposition()
        is_body = disposition != "attachment" and content_type in ("text/plain", "text/html")
        if is_body and content_type == "text/plain" and not text:
            text = _decode(part)
        elif is_body and content_type == "text/html" and not html:
            html = _decode(part)
        else:
            attachments.append(_attachment(part, content_type, len(attachments)))
    return text.replace("\r\n", "\n"), html, attachments


def _leaf_parts(part: EmailMessage):
    """The leaves of the MIME tree; an attached message (message/rfc822) is one leaf, not walked into."""
    if part.get_content_type() == "message/rfc822" or not part.is_multipart():
        yield part
        return
    for child in part.iter_parts():
        yield from _leaf_parts(child)


def _attachment(part: EmailMessage, content_type: str, index: int) -> ParsedAttachment:
    if content_type == "message/rfc822":
        # A forwarded message: keep it whole as an .eml attachment.
        inner = part.get_payload()
        content = (
            inner[0].as_bytes()
            if isinstance(inner, list) and inner
            else bytes(part.get_payload(decode=True) or b"")
        )
        default = "forwarded-message.eml"
    else:
        content = part.get_payload(decode=True) or b""
        default = f"attachment-{index + 1}"
    try:
        filename = part.get_filename() or default
    except Exception:
        filename = default
    content_id = " ".join(str(part.get("Content-ID", "")).split()).strip("<>")
    return ParsedAttachment(
        filename=filename, content_type=content_type, content=content, content_id=content_id
    )
