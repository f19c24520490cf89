"""Status transitions and the solved-time rule (KPIS.md, "Ticket facts")."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from ..models import Ticket, TicketEvent
from .events import event_record, ticket_touch

S = Ticket.Status
# Which status may follow which. `new` is only ever the first status; `closed` is final;
# a solved ticket is reopened (-> open) or closed.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.OPEN, S.PENDING, S.ON_HOLD, S.SOLVED, S.CLOSED}),
    S.OPEN: frozenset({S.PENDING, S.ON_HOLD, S.SOLVED, S.CLOSED}),
    S.PENDING: frozenset({S.OPEN, S.ON_HOLD, S.SOLVED, S.CLOSED}),
    S.ON_HOLD: frozenset({S.OPEN, S.PENDING, S.SOLVED, S.CLOSED}),
    S.SOLVED: frozenset({S.OPEN, S.CLOSED}),
    S.CLOSED: frozenset(),
}


def transition_allowed(before: str, after: str) -> bool:
    return after in TRANSITIONS.get(before, frozenset())


def solved_at_after(*, before: str, after: str, solved_at: datetime | None, at: datetime) -> datetime | None:
    """Solved time: set on entering the solved set from an unsolved status, kept for solved -> closed,
    cleared on reopening."""
    if after in Ticket.SOLVED:
        return at if before not in Ticket.SOLVED else solved_at
    return None


def status_change(*, ticket: Ticket, status: str, by, at: datetime | None = None) -> bool:
    """Move a locked ticket to `status`, recording a STATUS event; False when it already is there."""
    if status not in S.values:
        raise ValidationError(f"Unknown status {status!r}.")
    before = ticket.status
    if status == before:
        return False
    if not transition_allowed(before, status):
        raise ValidationError(
            f"{ticket.reference} cannot go from {S(before).label} to {S(status).label}.", code="transition"
        )
    at = at or timezone.now()
    ticket.status = status
    ticket.solved_at = solved_at_after(before=before, after=status, solved_at=ticket.solved_at, at=at)
    ticket_touch(ticket, ["status", "solved_at"], at=at)
    event_record(
        ticket=ticket, kind=TicketEvent.Kind.STATUS, actor=by, before=before, after=status, occurred_at=at
    )
    return True
