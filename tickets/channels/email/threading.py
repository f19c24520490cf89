"""Which ticket an inbound email answers, and the signed reply addresses our outbound mail carries.

A reply address looks like ``support+HD-123.<sig>@domain`` (customer mail) or
``support+HD-123.a7.<sig>@domain`` (mail to agent 7). `sig` is a truncated HMAC (Django's
salted_hmac, keyed by SECRET_KEY) in lower-case hex, because mail servers may change the case of
the local part; it cannot be forged, so only it makes an email an agent's reply.
"""

import re
from dataclasses import dataclass

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

from ...models import Message, Ticket
from .parse import ParsedEmail

_SALT = "tickets.channels.email.reply-address"
_SIG_LENGTH = 20


@dataclass(frozen=True)
class ReplyToken:
    ticket_id: int
    agent_id: int | None = None


def _signature(ticket_id: int, agent_id: int | None) -> str:
    return salted_hmac(_SALT, f"{ticket_id}:{agent_id or ''}", algorithm="sha256").hexdigest()[:_SIG_LENGTH]


def _prefix() -> str:
    return re.escape(settings.TICKET_REFERENCE_PREFIX.lower())


def reply_address(*, ticket: Ticket, agent_id: int | None = None) -> str:
    """The address replies to this ticket go to, carrying its reference and a signature."""
    local, _, domain = settings.DEFAULT_FROM_EMAIL.partition("@")
    agent = f".a{agent_id}" if agent_id else ""
    return f"{local}+{ticket.reference}{agent}.{_signature(ticket.pk, agent_id)}@{domain}"


def reply_token(addresses: list[str]) -> ReplyToken | None:
    """The valid token among the recipients' addresses, if any (an invalid one is ignored)."""
    pattern = re.compile(rf"\+{_prefix()}-(\d+)(?:\.a(\d+))?\.([0-9a-f]+)@", re.IGNORECASE)
    for address in addresses:
        match = pattern.search(address)
        if not match:
            continue
        ticket_id, agent_id = int(match[1]), int(match[2]) if match[2] else None
        if constant_time_compare(match[3].lower(), _signature(ticket_id, agent_id)):
            return ReplyToken(ticket_id=ticket_id, agent_id=agent_id)
    return None


def subject_ticket_id(subject: str) -> int | None:
    match = re.search(rf"\[{_prefix()}-(\d+)\]", subject, re.IGNORECASE)
    return int(match[1]) if match else None


def thread_ticket(parsed: ParsedEmail, token: ReplyToken | None) -> Ticket | None:
    """The ticket this email answers: by signed reply address, then In-Reply-To/References, then
    the [HD-123] reference in the subject. Merged tickets lead to the ticket they were merged into."""
    ticket = None
    if token is not None:
        ticket = Ticket.objects.filter(pk=token.ticket_id).first()
    if ticket is None and parsed.thread_ids:
        ticket = _by_message_ids(parsed.thread_ids)
    if ticket is None:
        ticket_id = subject_ticket_id(parsed.subject)
        ticket = Ticket.objects.filter(pk=ticket_id).first() if ticket_id else None
    seen = set()
    while ticket is not None and ticket.merged_into_id and ticket.pk not in seen:
        seen.add(ticket.pk)
        ticket = ticket.merged_into
    return ticket


def _by_message_ids(ids: list[str]) -> Ticket | None:
    found = dict(
        Message.objects.filter(external_message_id__in=ids[:50]).values_list(
            "external_message_id", "ticket_id"
        )
    )
    for message_id in ids:
        if message_id in found:
            return Ticket.objects.filter(pk=found[message_id]).first()
    return None
