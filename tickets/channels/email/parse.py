"""Turn raw RFC 5322 bytes into a ParsedEmail with the standard library.

The message is parsed with the compat32 policy, which keeps header values as text: the modern
policy builds a header object (and a class) for every header of every part it reads, which was
most of the parsing time. Only the headers we use are decoded (RFC 2047 words, raw UTF-8).
"""

import re
from dataclasses import dataclass, field
from email import policy
from email.header import Header, decode_header, make_header
from email.message import Message
from email.parser import BytesHeaderParser, BytesParser
from email.utils import getaddresses, parseaddr

from ...sanitize import html_to_text, plain_text

_ID_TOKEN = re.compile(r"<[^<>\s]+>")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")
_BETWEEN_WORDS = re.compile(r"(\?=)\s+(=\?)")  # RFC 2047: space between encoded words is not text
# Real mail nests a handful of levels; deeper trees are hostile (and would exhaust the stack).
MAX_MIME_DEPTH = 50


_TOO_DEEP = f"The message's MIME parts are nested more than {MAX_MIME_DEPTH} levels deep."


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
    headers: Message | None = None

    @property
    def thread_ids(self) -> list[str]:
        """Ids this message answers, nearest first."""
        seen: list[str] = []
        for value in [*self.in_reply_to, *reversed(self.references)]:
            if value not in seen:
                seen.append(value)
        return seen


def message_ids(value: str | None) -> list[str]:
    """The <ids> in a Message-ID, In-Reply-To or References header, in order (control characters,
    NUL among them, dropped: PostgreSQL cannot store or compare them)."""
    return _ID_TOKEN.findall(_CONTROL.sub("", str(value or "")))


def header_text(message: Message, name: str) -> str:
    """A header's decoded text (RFC 2047 words decoded) on one line, without control or bidi-override
    characters; a malformed header yields its raw text."""
    value = message.get(name)
    return plain_text(decoded(value), single_line=True) if value is not None else ""


def decoded(value) -> str:
    """A compat32 header value as text: raw 8-bit bytes read as UTF-8, encoded words decoded."""
    text = _raw(value)
    if "=?" not in text:
        return text
    try:
        return str(make_header(decode_header(text)))
    except Exception:  # raw non-ASCII text beside the words, or a malformed word: one word at a time
        return _ENCODED_WORD.sub(_decoded_word, _BETWEEN_WORDS.sub(r"\1\2", text))


def _decoded_word(match: re.Match) -> str:
    try:
        return str(make_header(decode_header(match[0])))
    except Exception:  # a malformed encoded word: keep it as it came
        return match[0]


def _header_raw(value: Header) -> str:
    # compat32 wraps a value with raw 8-bit bytes in a Header of charset unknown-8bit.
    return "".join(
        part.decode("utf-8", "replace") if isinstance(part, bytes) else part
        for part, _ in decode_header(value)
    )


def _unescaped(text: str) -> str:
    """Raw 8-bit header bytes (kept as surrogate escapes by the parser) read as UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return text


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
        headers = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
        address = sender(headers)[1]
        return address.lower()[:254], header_text(headers, "Subject")[:500]
    except Exception:
        return "", ""


def parse_email(raw: bytes) -> ParsedEmail:
    """Parse `raw`; raises UnparseableEmail when there is no usable sender."""
    try:
        message = BytesParser(policy=policy.compat32).parsebytes(raw)
    except RecursionError as exc:
        raise UnparseableEmail(_TOO_DEEP) from exc
    except Exception as exc:
        raise UnparseableEmail(f"The message cannot be parsed: {exc}") from exc
    name, address = sender(message)
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


def sender(message: Message) -> tuple[str, str]:
    """(display name, address) of From. The address is parsed before any encoded word is decoded:
    a decoded name may hold angle brackets or commas ("=?utf-8?b?...?=" for "<boss@x>") that
    would otherwise pass for the address."""
    value = message.get("From")
    if value is None:
        return "", ""
    name, address = parseaddr(_flat(_raw(value)))
    return plain_text(decoded(name), single_line=True), address


def _flat(text: str) -> str:
    """An unfolded header value (RFC 5322: line breaks dropped, tabs as spaces) without control
    characters, NUL among them."""
    return _CONTROL.sub("", text.replace("\r", "").replace("\n", "").replace("\t", " "))


def _raw(value) -> str:
    return _header_raw(value) if isinstance(value, Header) else _unescaped(str(value))


def _recipients(message: Message) -> list[str]:
    values = []
    for name in ("To", "Cc", "Delivered-To", "X-Original-To"):
        # Addresses are read from the raw values, never from decoded names.
        values.extend(_flat(_raw(v)) for v in message.get_all(name, []))
    return [address.lower() for _, address in getaddresses(values) if "@" in address]


def _decode(part: Message) -> str:
    """A text part's content; a wrong or unknown declared charset falls back to UTF-8, then Latin-1."""
    payload = part.get_payload(decode=True) or b""
    charset = part.get_content_charset() or "utf-8"
    for candidate in (charset, "utf-8"):
        try:
            return payload.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("latin-1")


def _body_parts(message: Message) -> tuple[str, str, list[ParsedAttachment]]:
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


def _leaf_parts(part: Message, depth: int = 0):
    """The leaves of the MIME tree; an attached message (message/rfc822) is one leaf, not walked into."""
    if part.get_content_type() == "message/rfc822" or not part.is_multipart():
        yield part
        return
    if depth >= MAX_MIME_DEPTH:
        raise UnparseableEmail(_TOO_DEEP)
    for child in part.get_payload():
        yield from _leaf_parts(child, depth + 1)


def _attachment(part: Message, content_type: str, index: int) -> ParsedAttachment:
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
        filename = decoded(part.get_filename() or "") or default
    except Exception:
        filename = default
    content_id = header_text(part, "Content-ID").strip("<>")
    return ParsedAttachment(
        filename=filename, content_type=content_type, content=content, content_id=content_id
    )
