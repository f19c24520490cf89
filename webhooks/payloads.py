"""The JSON each event type sends. Plain values only; ids and ISO times."""

from django.conf import settings

from lifecycle.models import StageChange
from tickets.models import Message, Ticket, TicketEvent


def _iso(value):
    return value.isoformat() if value else None


def ticket_data(ticket: Ticket) -> dict:
    customer = ticket.customer
    return {
        "id": ticket.pk,
        "reference": ticket.reference,
        "url": f"{settings.SITE_URL}/tickets/{ticket.reference}/",
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "channel": ticket.channel,
        "direction": ticket.direction,
        "type": ticket.type,
        "team": ticket.team.name if ticket.team_id else None,
        "assignee": ticket.assignee.username if ticket.assignee_id else None,
        "customer": {"id": customer.pk, "name": customer.display_name},
        "requester_email": ticket.requester_email,
        "created_at": _iso(ticket.created_at),
        "updated_at": _iso(ticket.updated_at),
        "solved_at": _iso(ticket.solved_at),
    }


def message_data(message: Message) -> dict:
    return {
        "id": message.pk,
        "kind": message.kind,
        "sender": message.sender,
        "author": message.author.username if message.author_id else None,
        "body_text": message.body_text,
        "channel": message.channel,
        "created_at": _iso(message.created_at),
    }


def ticket_event_payload(event: TicketEvent) -> tuple[str, dict] | None:
    """The webhook event type and data for one ticket log row, or None if it is not published."""
    kind = TicketEvent.Kind
    if event.kind == kind.CREATED:
        return "ticket.created", {"ticket": ticket_data(event.ticket)}
    if event.kind == kind.MESSAGE:
        if event.message is None:
            return None
        return "message.created", {
            "ticket": ticket_data(event.ticket),
            "message": message_data(event.message),
        }
    change = {
        "field": event.kind,
        "before": event.before,
        "after": event.after,
        "actor": event.actor.username if event.actor_id else None,
    }
    return "ticket.updated", {"ticket": ticket_data(event.ticket), "change": change}


def stage_change_payload(change: StageChange) -> tuple[str, dict]:
    customer = change.customer
    return "customer.stage_changed", {
        "customer": {"id": customer.pk, "name": customer.display_name, "stage": customer.stage},
        "from": change.from_stage,
        "to": change.to_stage,
        "occurred_at": _iso(change.occurred_at),
        "cause": change.cause,
        "reason": change.reason,
    }
