"""SLA due times from the policy of the ticket's priority."""

from datetime import UTC, datetime, timedelta

from ..models import SLAPolicy, Ticket


def sla_due_times(*, priority: str, direction: str, created_at: datetime) -> tuple[datetime | None, ...]:
    """(first response due, resolution due) for a ticket; None where no policy applies.

    An outbound ticket starts with the agent's own reply, so it has no first-response target.
    """
    try:  # one policy per priority (unique): get() spares first()'s ordering
        policy = SLAPolicy.objects.get(priority=priority)
    except SLAPolicy.DoesNotExist:
        policy = None
    return sla_due_times_under(policy, direction=direction, created_at=created_at)


def sla_policies() -> dict[str, SLAPolicy]:
    """Every SLA policy by priority, for writers that open many tickets at once."""
    return {policy.priority: policy for policy in SLAPolicy.objects.all()}


def sla_due_times_under(
    policy: SLAPolicy | None, *, direction: str, created_at: datetime
) -> tuple[datetime | None, ...]:
    """sla_due_times with the policy already read (None: no policy for that priority)."""
    if policy is None:
        return None, None
    # Elapsed time: Python adds to a local time by the wall clock, an hour off across a DST change.
    created_at = created_at.astimezone(UTC)
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
