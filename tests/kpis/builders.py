"""Raw tickets and lifecycle rows written directly, following the data contract the services keep.

The KPI tests build their data here so that they depend only on the models: a ticket with its
CREATED event, status changes as STATUS events, messages with their MESSAGE event, ratings
replaced in place, merges, spam, stage changes (superseded ones kept) and purchases.
"""

from datetime import datetime
from decimal import Decimal

from lifecycle.models import Customer, StageChange, TouchpointEvent
from tickets.models import Message, SatisfactionRating, Ticket, TicketEvent

SOLVED = {"solved", "closed"}


def ticket(
    *,
    customer: Customer,
    created_at: datetime,
    status: str = "new",
    direction: str = "inbound",
    channel: str = "email",
    priority: str = "normal",
    type: str = "question",
    team=None,
    assignee=None,
    stage: str | None = None,
    first_response_due_at: datetime | None = None,
    resolution_due_at: datetime | None = None,
) -> Ticket:
    t = Ticket.objects.create(
        subject="Help",
        customer=customer,
        created_at=created_at,
        updated_at=created_at,
        status=status,
        direction=direction,
        channel=channel,
        priority=priority,
        type=type,
        team=team,
        assignee=assignee,
        customer_stage_at_open=stage,
        first_response_due_at=first_response_due_at,
        resolution_due_at=resolution_due_at,
        solved_at=created_at if status in SOLVED else None,
    )
    TicketEvent.objects.create(ticket=t, kind="created", after={"status": status}, occurred_at=created_at)
    return t


def status(t: Ticket, new: str, at: datetime) -> None:
    at = max(at, t.created_at)
    TicketEvent.objects.create(ticket=t, kind="status", before=t.status, after=new, occurred_at=at)
    if new in SOLVED and t.status not in SOLVED:
        t.solved_at = at
    elif new not in SOLVED:
        t.solved_at = None
    t.status = new
    t.save(update_fields=["status", "solved_at"])


def message(t: Ticket, *, at: datetime, kind: str = "public", sender: str = "agent", author=None) -> Message:
    at = max(at, t.created_at)
    m = Message.objects.create(
        ticket=t, kind=kind, sender=sender, author=author, channel=t.channel, created_at=at
    )
    TicketEvent.objects.create(ticket=t, kind="message", message=m, occurred_at=at)
    return m


def change(t: Ticket, field: str, value, at: datetime) -> None:
    """A dimension change: team, assignee, priority or type (the event kind is the field name)."""
    before = getattr(t, f"{field}_id" if field in ("team", "assignee") else field)
    setattr(t, field, value)
    t.save(update_fields=[field])
    after = getattr(t, f"{field}_id" if field in ("team", "assignee") else field)
    TicketEvent.objects.create(
        ticket=t, kind=field, before=before, after=after, occurred_at=max(at, t.created_at)
    )


def rate(t: Ticket, score: int, at: datetime) -> None:
    SatisfactionRating.objects.update_or_create(ticket=t, defaults={"score": score, "created_at": at})
    TicketEvent.objects.create(ticket=t, kind="rated", after=score, occurred_at=max(at, t.created_at))


def merge(t: Ticket, into: Ticket, at: datetime) -> None:
    t.merged_into = into
    t.save(update_fields=["merged_into"])
    TicketEvent.objects.create(ticket=t, kind="merged", after=into.pk, occurred_at=max(at, t.created_at))


def spam(t: Ticket, at: datetime) -> None:
    t.is_spam = True
    t.save(update_fields=["is_spam"])
    TicketEvent.objects.create(ticket=t, kind="spam", after=True, occurred_at=max(at, t.created_at))


def sla(t: Ticket, *, first_response_due_at=None, resolution_due_at=None, at: datetime) -> None:
    t.first_response_due_at = first_response_due_at
    t.resolution_due_at = resolution_due_at
    t.save(update_fields=["first_response_due_at", "resolution_due_at"])
    TicketEvent.objects.create(ticket=t, kind="sla", occurred_at=max(at, t.created_at))


def stage_change(customer: Customer, from_stage, to_stage: str, at: datetime) -> StageChange:
    return StageChange.objects.create(
        customer=customer, from_stage=from_stage, to_stage=to_stage, occurred_at=at, cause="event"
    )


def supersede(change_row: StageChange, at: datetime) -> None:
    StageChange.objects.filter(pk=change_row.pk).update(superseded_at=at)


def purchase(customer: Customer, at: datetime, value: Decimal | None) -> TouchpointEvent:
    return TouchpointEvent.objects.create(customer=customer, type="purchase", occurred_at=at, value=value)
