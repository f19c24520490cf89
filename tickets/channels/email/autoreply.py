"""Recognise automatic mail (auto-replies, bounces, lists, loops) so that we never answer it."""

from email.message import Message

from .parse import ParsedEmail, header_text

_BULK_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
_DAEMON_LOCALPARTS = {"mailer-daemon", "postmaster", "noreply", "no-reply", "donotreply", "do-not-reply"}


def automatic_reason(parsed: ParsedEmail, *, own_message_id: bool = False) -> str:
    """Why this message is automatic (a short reason), or "" for mail a person wrote.

    `own_message_id` is true when its Message-ID is one of ours (a loop back to us).
    """
    headers = parsed.headers
    if own_message_id:
        return "loop: the message carries one of our own Message-IDs"
    if headers is None:
        return ""
    for check in (_auto_submitted, _precedence, _list, _autoreply_headers, _return_path, _daemon):
        reason = check(headers, parsed)
        if reason:
            return reason
    return ""


def _auto_submitted(headers: Message, parsed: ParsedEmail) -> str:
    value = header_text(headers, "Auto-Submitted").lower()
    return f"Auto-Submitted: {value}" if value and value != "no" else ""


def _precedence(headers: Message, parsed: ParsedEmail) -> str:
    value = header_text(headers, "Precedence").lower()
    return f"Precedence: {value}" if value in _BULK_PRECEDENCE else ""


def _list(headers: Message, parsed: ParsedEmail) -> str:
    return "mailing list (List-Id)" if header_text(headers, "List-Id") else ""


def _autoreply_headers(headers: Message, parsed: ParsedEmail) -> str:
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"):
        if header_text(headers, name):
            return f"{name} header"
    return ""


def _return_path(headers: Message, parsed: ParsedEmail) -> str:
    values = headers.get_all("Return-Path", [])
    if any(str(v).strip() in ("<>", "") for v in values):
        return "empty Return-Path (a bounce)"
    return ""


def _daemon(headers: Message, parsed: ParsedEmail) -> str:
    local = parsed.from_address.partition("@")[0]
    if local in _DAEMON_LOCALPARTS:
        return f"sent by {local}"
    if headers.get_content_type() == "multipart/report":
        return "delivery status report (multipart/report)"
    return ""
