"""The shared machinery of every ticket service: locking, guards and the event log."""

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from ..models import Message, Ticket, TicketEvent


class TicketFrozen(ValidationError):
    """The ticket cannot change: it was merged into another or deleted as spam."""


def ticket_lock(ticket: Ticket) -> Ticket:
    """Re-read `ticket` under a row lock and refresh the caller's instance with the stored values."""
    fresh = Ticket.objects.select_for_update().get(pk=ticket.pk)
    for field in Ticket._meta.concrete_fields:
        setattr(ticket, field.attname, getattr(fresh, field.attname))
    return ticket


def ensure_changeable(ticket: Ticket, *, allow_closed: bool = False) -> None:
    if ticket.merged_into_id:
        raise TicketFrozen(f"{ticket.reference} was merged into another ticket; change the survivor.")
    if ticket.is_spam:
        raise TicketFrozen(f"{ticket.reference} was deleted as spam.")
    if not allow_closed and ticket.status == Ticket.Status.CLOSED:
        raise ValidationError(f"{ticket.reference} is closed; a closed ticket is final.")


def event_record(
    *,
    ticket: Ticket,
    kind: str,
    actor=None,
    before: Any = None,
    after: Any = None,
    message: Message | None = None,
    occurred_at: datetime | None = None,
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        actor=actor,
        before=before,
        after=after,
        message=message,
        occurred_at=occurred_at or timezone.now(),
    )


def ticket_touch(ticket: Ticket, fields: list[str], *, at: datetime | None = None) -> None:
    """Save `fields` and move updated_at forward (never back, for imported history); with no
    field to save and updated_at where it was, there is nothing to write."""
    before = ticket.updated_at
    ticket_touch_in_memory(ticket, at=at or timezone.now())
    if fields or ticket.updated_at != before:
        ticket.save(update_fields=[*fields, "updated_at"])


def ticket_touch_in_memory(ticket: Ticket, *, at: datetime) -> None:
    """Move updated_at forward to `at` (never back) without saving; bulk writers save it later."""
    if ticket.updated_at is None or at > ticket.updated_at:
        ticket.updated_at = at
