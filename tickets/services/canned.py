"""Canned replies (macros): placeholders filled by a small whitelist, never by a template engine."""

import re

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import CannedReply, Message, Ticket
from .events import ensure_changeable
from .messages import ticket_reply
from .tickets import tags_resolve, ticket_set_priority, ticket_set_status, ticket_set_tags

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\.([a-z_]+)\s*\}\}")


def _placeholders(ticket: Ticket, agent: User) -> dict[tuple[str, str], str]:
    customer = ticket.customer
    return {
        ("customer", "first_name"): customer.first_name,
        ("customer", "name"): customer.display_name,
        ("customer", "email"): ticket.requester_email,
        ("ticket", "reference"): ticket.reference,
        ("ticket", "subject"): ticket.subject,
        ("agent", "first_name"): agent.first_name or agent.get_username(),
        ("agent", "name"): agent.get_full_name() or agent.get_username(),
    }


PLACEHOLDER_NAMES = (
    "customer.first_name",
    "customer.name",
    "customer.email",
    "ticket.reference",
    "ticket.subject",
    "agent.first_name",
    "agent.name",
)


def canned_reply_render(*, canned_reply: CannedReply, ticket: Ticket, agent: User) -> str:
    """The canned reply's plain text with known placeholders filled in, in one pass.

    Values are inserted as plain text and never re-scanned, so a customer named "{{ agent.name }}"
    or "<script>" stays literally that; unknown placeholders are left as written.
    """
    values = _placeholders(ticket, agent)

    def fill(match: re.Match) -> str:
        return values.get((match.group(1), match.group(2)), match.group(0))

    return PLACEHOLDER.sub(fill, canned_reply.body)


@transaction.atomic
def canned_reply_apply(
    *, ticket: Ticket, canned_reply: CannedReply, by: User, seen_message_id: int | None = None
) -> Message:
    """Send the rendered canned reply, then apply its status, priority and tags (each with its event)."""
    if not canned_reply.is_active:
        raise ValidationError("This canned reply is no longer active.")
    ensure_changeable(ticket)
    message = ticket_reply(
        ticket=ticket,
        by=by,
        body=canned_reply_render(canned_reply=canned_reply, ticket=ticket, agent=by),
        seen_message_id=seen_message_id,
    )
    if canned_reply.set_priority:
        ticket_set_priority(ticket=ticket, priority=canned_reply.set_priority, by=by)
    if canned_reply.add_tags:
        current = list(ticket.tags.all())
        ticket_set_tags(ticket=ticket, tags=[*current, *tags_resolve(canned_reply.add_tags)], by=by)
    if canned_reply.set_status:
        ticket_set_status(ticket=ticket, status=canned_reply.set_status, by=by)
    return message
