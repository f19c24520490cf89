"""Opening tickets and changing their fields; every change records its TicketEvent."""

from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import AuditEntry
from accounts.services import audit_record
from helpdesk.roles import WORKSPACE_ROLES, has_role
from lifecycle.models import Customer
from lifecycle.services import (
    customer_find_or_create,
    customer_lock_by_email,
    customers_lock,
    normalize_email,
    touchpoint_record,
)

from ..models import Message, SatisfactionRating, Tag, Team, Ticket, TicketEvent
from ..sanitize import plain_text
from .events import ensure_changeable, event_record, ticket_lock, ticket_touch
from .messages import email_customer, message_add
from .search import search_documents_rebuild
from .sla import sla_due_times, sla_snapshot
from .status import solved_at_after, status_change


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET = _Unset()


def _choice(value: str, choices: type, what: str) -> str:
    if value not in choices.values:
        raise ValidationError(f"Unknown {what} {value!r}.", code=f"invalid_{what}")
    return value


def _check_assignee(assignee: User | None) -> None:
    if assignee is not None and not (assignee.is_active and has_role(assignee, *WORKSPACE_ROLES)):
        raise ValidationError(f"{assignee} is not an active agent and cannot be assigned tickets.")


def tag_name(value: str | Tag) -> str:
    """A tag's canonical name: lower-case, words joined by hyphens."""
    if isinstance(value, Tag):
        return value.name
    name = "-".join(plain_text(str(value)).lower().split())[:50]
    if not name:
        raise ValidationError("A tag needs a name.")
    return name


def tags_resolve(values: Iterable[str | Tag]) -> list[Tag]:
    """Tags for `values` (names or Tag objects), created where missing, sorted by name."""
    names = sorted({tag_name(v) for v in values})
    if not names:
        return []
    existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    missing = [Tag(name=n) for n in names if n not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    return [existing[n] for n in names]


def _tag_names(ticket: Ticket) -> list[str]:
    return sorted(ticket.tags.values_list("name", flat=True))


@transaction.atomic
def ticket_create(
    *,
    subject: str,
    body: str,
    customer_email: str,
    customer_name: str = "",
    channel: str = Ticket.Channel.EMAIL,
    direction: str = Ticket.Direction.INBOUND,
    priority: str = Ticket.Priority.NORMAL,
    type: str = Ticket.Type.QUESTION,
    team: Team | None = None,
    assignee: User | None = None,
    tags: Iterable[str | Tag] = (),
    language: str = "",
    by: User | None = None,
    body_html: str = "",
    external_message_id: str = "",
    created_at: datetime | None = None,
    status: str = Ticket.Status.NEW,
    attachments: Iterable = (),
) -> Ticket:
    """Open a ticket with its first message; records CREATED, then MESSAGE (and the SLA due times).

    Inbound: the first message is the customer's. Outbound: it is the public reply of `by`, an agent.
    The customer's stage is read before the support touchpoint is recorded, so the ticket keeps the
    stage the customer was in just before they wrote in.
    """
    if external_message_id:
        redelivered = Message.objects.filter(external_message_id=external_message_id[:998]).first()
        if redelivered is not None:  # the same message delivered again opens nothing new
            return redelivered.ticket
    for value, choices in (
        (channel, Ticket.Channel),
        (direction, Ticket.Direction),
        (priority, Ticket.Priority),
    ):
        _choice(value, choices, choices.__name__.lower())
    _choice(type, Ticket.Type, "type")
    _choice(status, Ticket.Status, "status")
    subject = plain_text(subject, max_length=500, single_line=True)
    if not subject:
        raise ValidationError("A ticket needs a subject.", code="subject_required")
    outbound = direction == Ticket.Direction.OUTBOUND
    if outbound and by is None:
        raise ValidationError("An outbound ticket needs the agent who writes to the customer.")
    _check_assignee(assignee)
    address = normalize_email(customer_email)
    customer = _customer_locked(email=address, name=customer_name)
    at = created_at or timezone.now()
    first_due, resolution_due = sla_due_times(priority=priority, direction=direction, created_at=at)
    ticket = Ticket.objects.create(
        subject=subject,
        customer=customer,
        requester_email=address,
        team=team,
        assignee=assignee,
        status=status,
        priority=priority,
        channel=channel,
        direction=direction,
        type=type,
        language=plain_text(language, max_length=16, single_line=True),
        customer_stage_at_open=customer.stage,
        first_response_due_at=first_due,
        resolution_due_at=resolution_due,
        solved_at=solved_at_after(before=Ticket.Status.NEW, after=status, solved_at=None, at=at),
        # The first message is stored at `at` (message_add): no update of the row to say so.
        last_message_at=at,
        created_at=at,
        updated_at=at,
    )
    resolved = tags_resolve(tags)
    if resolved:  # a new ticket has no tags to compare with, nor to clear
        ticket.tags.add(*resolved)
    created = _created_after(ticket, tag_names=[tag.name for tag in resolved])
    event_record(ticket=ticket, kind=TicketEvent.Kind.CREATED, actor=by, after=created, occurred_at=at)
    first = message_add(
        ticket=ticket,
        kind=Message.Kind.PUBLIC,
        sender=Message.Sender.AGENT if outbound else Message.Sender.CUSTOMER,
        author=by if outbound or (by is not None and by.pk == customer.user_id) else None,
        actor=by,
        body=body,
        body_html=body_html,
        external_message_id=external_message_id,
        created_at=at,
        attachments=attachments,
    )
    if outbound:  # the agent writes to the customer: on an email ticket the message goes out by email
        email_customer(ticket=ticket, message=first)
    touchpoint_record(
        customer=customer,
        type="support_ticket",
        occurred_at=at,
        idempotency_key=f"ticket:{ticket.pk}",
        data={"ticket": ticket.pk, "channel": channel, "direction": direction},
        locked=True,
    )
    return ticket


def _customer_locked(*, email: str, name: str) -> Customer:
    """The customer for `email`, locked so their tickets open one at a time, with their current stage
    (as lifecycle locks them, so that the support touchpoint does not lock and read them again)."""
    customer = customer_lock_by_email(email)  # the usual case: one query
    if customer is None:  # a new address, or one left on a customer merged into another
        customer = customer_find_or_create(email=email, name=plain_text(name, single_line=True))
        customer = customers_lock([customer])[customer.pk]
    return customer


def _created_after(ticket: Ticket, *, tag_names: list[str]) -> dict:
    return {
        "status": ticket.status,
        "priority": ticket.priority,
        "channel": ticket.channel,
        "direction": ticket.direction,
        "team": ticket.team_id,
        "assignee": ticket.assignee_id,
        "type": ticket.type,
        "tags": tag_names,
    }


@transaction.atomic
def ticket_set_status(*, ticket: Ticket, status: str, by: User | None) -> Ticket:
    """Change the status along the allowed transitions (see services.status.TRANSITIONS)."""
    ticket_lock(ticket)
    ensure_changeable(ticket, allow_closed=status == ticket.status)
    status_change(ticket=ticket, status=status, by=by)
    return ticket


def _set_field(*, ticket: Ticket, field: str, value, kind: str, by, plain=None) -> bool:
    """Set one plain field of a locked, changeable ticket and record `kind`; False for a no-op."""
    attname = Ticket._meta.get_field(field).attname
    before = getattr(ticket, attname)
    after = plain if plain is not None or value is None else value
    if before == after:
        return False
    setattr(ticket, field, value)
    ticket_touch(ticket, [field])
    event_record(ticket=ticket, kind=kind, actor=by, before=before, after=after)
    return True


@transaction.atomic
def ticket_assign(*, ticket: Ticket, assignee: User | None, by: User | None) -> Ticket:
    """Give the ticket to `assignee` (None: unassign); records ASSIGNEE with user ids."""
    ticket_lock(ticket)
    ensure_changeable(ticket)
    _check_assignee(assignee)
    _set_field(
        ticket=ticket,
        field="assignee",
        value=assignee,
        plain=assignee.pk if assignee else None,
        kind=TicketEvent.Kind.ASSIGNEE,
        by=by,
    )
    return ticket


@transaction.atomic
def ticket_set_team(*, ticket: Ticket, team: Team | None, by: User | None) -> Ticket:
    ticket_lock(ticket)
    ensure_changeable(ticket)
    _set_field(
        ticket=ticket,
        field="team",
        value=team,
        plain=team.pk if team else None,
        kind=TicketEvent.Kind.TEAM,
        by=by,
    )
    return ticket


@transaction.atomic
def ticket_set_type(*, ticket: Ticket, type: str, by: User | None) -> Ticket:
    _choice(type, Ticket.Type, "type")
    ticket_lock(ticket)
    ensure_changeable(ticket)
    _set_field(ticket=ticket, field="type", value=type, kind=TicketEvent.Kind.TYPE, by=by)
    return ticket


@transaction.atomic
def ticket_set_priority(*, ticket: Ticket, priority: str, by: User | None) -> Ticket:
    """Change the priority; the SLA due times are recomputed from the creation time (SLA event)."""
    _choice(priority, Ticket.Priority, "priority")
    ticket_lock(ticket)
    ensure_changeable(ticket)
    if not _set_field(ticket=ticket, field="priority", value=priority, kind=TicketEvent.Kind.PRIORITY, by=by):
        return ticket
    before = sla_snapshot(ticket)
    ticket.first_response_due_at, ticket.resolution_due_at = sla_due_times(
        priority=priority, direction=ticket.direction, created_at=ticket.created_at
    )
    after = sla_snapshot(ticket)
    if after != before:
        ticket_touch(ticket, ["first_response_due_at", "resolution_due_at"])
        event_record(ticket=ticket, kind=TicketEvent.Kind.SLA, actor=by, before=before, after=after)
    return ticket


@transaction.atomic
def ticket_set_tags(*, ticket: Ticket, tags: Iterable[str | Tag], by: User | None) -> Ticket:
    """Replace the ticket's tags; records TAGS with the sorted names before and after."""
    ticket_lock(ticket)
    ensure_changeable(ticket)
    wanted = tags_resolve(tags)
    before = _tag_names(ticket)
    after = [t.name for t in wanted]
    if before == after:
        return ticket
    ticket.tags.set(wanted)
    ticket_touch(ticket, [])
    event_record(ticket=ticket, kind=TicketEvent.Kind.TAGS, actor=by, before=before, after=after)
    return ticket


@transaction.atomic
def ticket_merge(*, source: Ticket, target: Ticket, by: User | None) -> Ticket:
    """Merge `source` into `target`, the survivor.

    The source keeps its event history and points to the survivor (`merged_into`); it is closed
    (a STATUS event) and gets a MERGED event with after = target id. Its messages are RE-POINTED
    to the survivor (so each counts once, for the survivor); a message older than the survivor is
    stored at the survivor's creation time. Its rating is dropped. Later changes to it are refused.
    """
    if source.pk == target.pk:
        raise ValidationError("A ticket cannot be merged into itself.")
    first, second = sorted([source, target], key=lambda t: t.pk)
    ticket_lock(first)
    ticket_lock(second)
    ensure_changeable(source, allow_closed=True)
    ensure_changeable(target)
    now = timezone.now()
    moved = Message.objects.filter(ticket=source)
    moved.filter(created_at__lt=target.created_at).update(created_at=target.created_at)
    moved.update(ticket=target)
    search_documents_rebuild(ticket_ids=[source.pk, target.pk])
    _refresh_message_times(target)
    ticket_touch(target, ["first_public_reply_at", "last_message_at"], at=now)
    if source.status != Ticket.Status.CLOSED:
        status_change(ticket=source, status=Ticket.Status.CLOSED, by=by, at=now)
    dropped, _ = SatisfactionRating.objects.filter(ticket=source).delete()
    source.merged_into = target
    ticket_touch(source, ["merged_into"], at=now)
    event_record(ticket=source, kind=TicketEvent.Kind.MERGED, actor=by, after=target.pk, occurred_at=now)
    audit_record(
        action=AuditEntry.Action.TICKET_MERGED,
        actor=by,
        target=target,
        details={"source": source.reference, "target": target.reference, "rating_deleted": bool(dropped)},
    )
    return target


def _refresh_message_times(ticket: Ticket) -> None:
    messages = Message.objects.filter(ticket=ticket)
    ticket.last_message_at = messages.order_by("-created_at").values_list("created_at", flat=True).first()
    ticket.first_public_reply_at = (
        messages.filter(kind=Message.Kind.PUBLIC, sender=Message.Sender.AGENT)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )


@transaction.atomic
def ticket_rate(*, ticket: Ticket, score: int, comment: str = "") -> SatisfactionRating:
    """The customer's satisfaction rating (1-5); a new rating replaces the old one and takes its day."""
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise ValidationError("A rating is a whole number from 1 to 5.", code="invalid_score")
    ticket_lock(ticket)
    ensure_changeable(ticket, allow_closed=True)
    now = timezone.now()
    rating, _ = SatisfactionRating.objects.update_or_create(
        ticket=ticket,
        defaults={"score": score, "comment": plain_text(comment, max_length=5000), "created_at": now},
    )
    event_record(
        ticket=ticket, kind=TicketEvent.Kind.RATED, actor=ticket.customer.user, after=score, occurred_at=now
    )
    return rating


@transaction.atomic
def ticket_mark_spam(*, ticket: Ticket, by: User | None) -> Ticket:
    """Delete the ticket as spam: it stays stored (is_spam) but counts nowhere and cannot change."""
    ticket_lock(ticket)
    ensure_changeable(ticket, allow_closed=True)
    ticket.is_spam = True
    ticket_touch(ticket, ["is_spam"])
    event_record(ticket=ticket, kind=TicketEvent.Kind.SPAM, actor=by, before=False, after=True)
    audit_record(action=AuditEntry.Action.DELETE, actor=by, target=ticket, details={"as": "spam"})
    return ticket


@transaction.atomic
def tickets_bulk_update(
    *,
    tickets: Iterable[Ticket],
    by: User | None,
    assignee=UNSET,
    status=UNSET,
    priority=UNSET,
    add_tags: Iterable[str | Tag] = (),
    remove_tags: Iterable[str | Tag] = (),
) -> int:
    """Apply the same changes to many tickets through the single-ticket services.

    A ticket that refuses a change (merged, spam, closed, a forbidden transition) is skipped whole;
    returns how many tickets changed.
    """
    add = {tag_name(t) for t in add_tags}
    remove = {tag_name(t) for t in remove_tags}
    if assignee is not UNSET:
        _check_assignee(assignee)
    changed = 0
    for ticket in tickets:
        stamp = TicketEvent.objects.filter(ticket=ticket).order_by("-pk").values_list("pk", flat=True).first()
        try:
            with transaction.atomic():
                _bulk_apply(ticket, by, assignee, status, priority, add, remove)
        except ValidationError:
            continue
        if TicketEvent.objects.filter(ticket=ticket, pk__gt=stamp or 0).exists():
            changed += 1
    return changed


def _bulk_apply(ticket, by, assignee, status, priority, add: set[str], remove: set[str]) -> None:
    if assignee is not UNSET:
        ticket_assign(ticket=ticket, assignee=assignee, by=by)
    if priority is not UNSET:
        ticket_set_priority(ticket=ticket, priority=priority, by=by)
    if add or remove:
        current = set(ticket.tags.values_list("name", flat=True))
        ticket_set_tags(ticket=ticket, tags=(current | add) - remove, by=by)
    if status is not UNSET:
        ticket_set_status(ticket=ticket, status=status, by=by)


@transaction.atomic
def customer_tickets_move(*, source: Customer, target: Customer) -> int:
    """Lifecycle merge handler: the merged customer's tickets now belong to the survivor."""
    return Ticket.objects.filter(customer=source).update(customer=target)
