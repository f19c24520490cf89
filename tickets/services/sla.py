"""SLA due times from the policy of the ticket's priority."""

from datetime import datetime, timedelta

from ..models import SLAPolicy, Ticket


def sla_due_times(*, priority: str, direction: str, created_at: datetime) -> tuple[datetime | None, ...]:
    """(first response due, resolution due) for a ticket; None where no policy applies.

    An outbound ticket starts with the agent's own reply, so it has no first-response target.
    """
    policy = SLAPolicy.objects.filter(priority=priority).first()
    if policy is None:
        return None, None
    first = None
    if direction == Ticket.Direction.INBOUND:
        first = created_at + timedelta(minutes=policy.first_response_minutes)
    return first, created_at + timedelta(minutes=policy.resolution_minutes)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def sla_snapshot(ticket: Ticket) -> dict[str, str | None]:
    return {
        "first_response_due_at": _iso(ticket.first_response_due_at),
        "resolution_due_at": _iso(ticket.resolution_due_at),
    }
