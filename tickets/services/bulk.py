"""Opening tickets and adding messages in bulk (email ingestion of many messages at once).

A TicketBatch writes the same rows and events as ticket_create, ticket_customer_message and
ticket_system_message would one after another, with one insert per table at `commit()`. Each
change is checked when it is added, as the single service checks it, so that a refused change
raises there and leaves the batch as it was. Until the commit the tickets the batch opens have no
id, but later changes may already go to them (a reply threaded to a message of the same batch).
What a batch cannot do (an agent's reply, a message stored already) raises BatchBarrier: the
caller commits what it has and makes that change with the single service.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from helpdesk.db import bulk_update_rows
from lifecycle.models import Customer
from lifecycle.services import normalize_email
from lifecycle.services.bulk import customers_find_or_create_bulk, customers_for_addresses
from lifecycle.services.touchpoints import EventInput, touchpoints_record_bulk

from ..models import Message, Ticket, TicketEvent
from ..sanitize import body_pair, plain_text
from .attachments import attachment_add, attachment_check
from .events import ensure_changeable, ticket_touch_in_memory
from .messages import message_build, message_times_apply
from .search import search_documents_rebuild
from .sla import sla_due_times_under, sla_policies
from .status import solved_at_after


class BatchBarrier(Exception):
    """A change the batch cannot make: commit the batch, then make it with the single service."""


@dataclass
class _Item:
    ticket: Ticket
    message: Message
    opens: bool = False
    attachments: list = field(default_factory=list)
    reopened_from: str = ""
    body: Callable[[Ticket], str] | None = None  # a body that needs the ticket's id


def tickets_lock_bulk(ids: Iterable[int]) -> dict[int, Ticket]:
    """Tickets by id, locked in id order (so that two batches never deadlock)."""
    return {t.pk: t for t in Ticket.objects.select_for_update().filter(pk__in=set(ids)).order_by("pk")}


class TicketBatch:
    """Changes to tickets collected in order and written together by commit()."""

    def __init__(self, *, addresses: Iterable[str] = (), stored_message_ids: Iterable[str] = ()):
        """`addresses`: the senders whose customers to read at once; `stored_message_ids`: the
        external ids among this batch's that are stored already (re-deliveries)."""
        self.customers = customers_for_addresses(_valid(addresses))
        self.new_customers: dict[str, Customer] = {}  # unsaved until commit
        self.message_ids = set(stored_message_ids)
        self.policies = sla_policies()
        self.items: list[_Item] = []
        self.touched: dict[int, Ticket] = {}  # stored tickets this batch changes

    def has_message(self, external_message_id: str) -> bool:
        return external_message_id[:998] in self.message_ids

    def sender_is_customer(self, *, ticket: Ticket, address: str) -> bool:
        """sender_is_customer for this batch: `address` is one of the ticket customer's."""
        customer = self.customers.get(address) or self.new_customers.get(address)
        if customer is None:
            return False
        if customer.pk is None:  # a customer this batch creates: only on the tickets it opens
            return ticket.pk is None and ticket.customer is customer
        return ticket.customer_id == customer.pk

    def open(
        self,
        *,
        subject: str,
        body: str,
        customer_email: str,
        customer_name: str = "",
        channel: str = Ticket.Channel.EMAIL,
        body_html: str = "",
        external_message_id: str = "",
        attachments: Iterable = (),
        language: str = "",
    ) -> tuple[Ticket, Message]:
        """ticket_create for an inbound ticket (new status, normal priority, no team or tags):
        the ticket and its first message."""
        if channel not in Ticket.Channel.values:
            raise ValidationError(f"Unknown channel {channel!r}.", code="invalid_channel")
        subject = plain_text(subject, max_length=500, single_line=True)
        if not subject:
            raise ValidationError("A ticket needs a subject.", code="subject_required")
        address = normalize_email(customer_email)
        customer = self._customer(address, customer_name)
        at = timezone.now()
        first_due, resolution_due = sla_due_times_under(
            self.policies.get(Ticket.Priority.NORMAL), direction=Ticket.Direction.INBOUND, created_at=at
        )
        ticket = Ticket(
            subject=subject,
            customer=customer,
            requester_email=address,
            channel=channel,
            language=plain_text(language, max_length=16, single_line=True),
            customer_stage_at_open=customer.stage,
            first_response_due_at=first_due,
            resolution_due_at=resolution_due,
            created_at=at,
            updated_at=at,
        )
        attachments = _checked(attachments)
        message = message_build(
            ticket=ticket,
            kind=Message.Kind.PUBLIC,
            sender=Message.Sender.CUSTOMER,
            body=body,
            body_html=body_html,
            external_message_id=external_message_id,
            created_at=at,
            has_attachments=bool(attachments),
        )
        if address not in self.customers:
            self.new_customers.setdefault(address, customer)
        self._add(_Item(ticket=ticket, message=message, opens=True, attachments=attachments))
        return ticket, message

    def customer_message(
        self,
        *,
        ticket: Ticket,
        body: str,
        body_html: str = "",
        channel: str | None = None,
        external_message_id: str = "",
        attachments: Iterable = (),
    ) -> Message:
        """ticket_customer_message: refused (ValidationError) on a closed, merged or spam ticket;
        a solved or pending ticket is reopened."""
        ensure_changeable(ticket)
        attachments = _checked(attachments)
        message = message_build(
            ticket=ticket,
            kind=Message.Kind.PUBLIC,
            sender=Message.Sender.CUSTOMER,
            body=body,
            body_html=body_html,
            channel=channel,
            external_message_id=external_message_id,
            has_attachments=bool(attachments),
        )
        item = _Item(ticket=ticket, message=message, attachments=attachments)
        if ticket.status in (Ticket.Status.SOLVED, Ticket.Status.PENDING):
            item.reopened_from = ticket.status
        self._add(item)
        if item.reopened_from:  # both may go to open (services.status.TRANSITIONS)
            ticket.solved_at = solved_at_after(
                before=ticket.status,
                after=Ticket.Status.OPEN,
                solved_at=ticket.solved_at,
                at=message.created_at,
            )
            ticket.status = Ticket.Status.OPEN
        return message

    def system_message(
        self,
        *,
        ticket: Ticket,
        body: str | Callable[[Ticket], str],
        external_message_id: str = "",
        delivery_state: str = "",
    ) -> Message:
        """ticket_system_message; `body` may be a function of the ticket, called once it has an id."""
        ensure_changeable(ticket, allow_closed=True)
        message = message_build(
            ticket=ticket,
            kind=Message.Kind.SYSTEM,
            sender=Message.Sender.SYSTEM,
            body=body if isinstance(body, str) else "-",
            external_message_id=external_message_id,
        )
        message.delivery_state = delivery_state
        self._add(_Item(ticket=ticket, message=message, body=None if isinstance(body, str) else body))
        return message

    def _customer(self, address: str, name: str) -> Customer:
        found = self.customers.get(address) or self.new_customers.get(address)
        return found or Customer(display_name=(plain_text(name, single_line=True) or "").strip()[:200])

    def _add(self, item: _Item) -> None:
        if item.message.external_message_id:
            self.message_ids.add(item.message.external_message_id)
        message_times_apply(ticket=item.ticket, message=item.message)
        ticket_touch_in_memory(item.ticket, at=item.message.created_at)
        if item.ticket.pk is not None:
            self.touched[item.ticket.pk] = item.ticket
        self.items.append(item)

    @transaction.atomic
    def commit(self) -> None:
        """Write everything: customers, tickets, messages, attachments, events, support touchpoints."""
        opened = [item.ticket for item in self.items if item.opens]
        self._create_customers(opened)
        Ticket.objects.bulk_create(opened)
        for item in self.items:
            if item.body is not None:
                item.message.body_html, item.message.body_text = body_pair(body=item.body(item.ticket))
        Message.objects.bulk_create([item.message for item in self.items])
        search_documents_rebuild(ticket_ids={item.ticket.pk for item in self.items})
        for item in self.items:
            for index, upload in enumerate(item.attachments):
                attachment_add(message=item.message, upload=upload, already=index)
        TicketEvent.objects.bulk_create([event for item in self.items for event in _events(item)])
        if self.touched:
            bulk_update_rows(
                list(self.touched.values()),
                ["status", "solved_at", "last_message_at", "first_public_reply_at", "updated_at"],
            )
        self._record_touchpoints(opened)

    def _create_customers(self, opened: list[Ticket]) -> None:
        if not self.new_customers:
            return
        created = customers_find_or_create_bulk(
            people={address: c.display_name for address, c in self.new_customers.items()}
        )
        for ticket in opened:
            if ticket.customer.pk is None:
                ticket.customer = created[ticket.requester_email]
                ticket.customer_stage_at_open = ticket.customer.stage
        self.customers.update(created)
        self.new_customers = {}

    def _record_touchpoints(self, opened: list[Ticket]) -> None:
        """The support touchpoint of every opened ticket, and the stage the customer was in just
        before it (what ticket_create reads under the customer's lock)."""
        if not opened:
            return
        result = touchpoints_record_bulk(
            events=[
                EventInput(
                    customer=t.customer,
                    type="support_ticket",
                    occurred_at=t.created_at,
                    source="helpdesk",
                    idempotency_key=f"ticket:{t.pk}",
                    data={"ticket": t.pk, "channel": t.channel, "direction": t.direction},
                )
                for t in opened
            ]
        )
        stage_by_ticket = {e.data["ticket"]: result.stage_before.get(e.pk) for e in result.created}
        moved = []
        for ticket in opened:
            stage = stage_by_ticket.get(ticket.pk, ticket.customer_stage_at_open)
            if stage != ticket.customer_stage_at_open:
                ticket.customer_stage_at_open = stage
                moved.append(ticket)
        if moved:
            bulk_update_rows(moved, ["customer_stage_at_open"])


def _events(item: _Item) -> list[TicketEvent]:
    ticket, message = item.ticket, item.message
    events = []
    if item.opens:
        events.append(
            TicketEvent(
                ticket=ticket,
                kind=TicketEvent.Kind.CREATED,
                after=_created_after(ticket),
                occurred_at=ticket.created_at,
            )
        )
    events.append(
        TicketEvent(
            ticket=ticket,
            kind=TicketEvent.Kind.MESSAGE,
            after={"kind": message.kind, "sender": message.sender},
            message=message,
            occurred_at=message.created_at,
        )
    )
    if item.reopened_from:
        events.append(
            TicketEvent(
                ticket=ticket,
                kind=TicketEvent.Kind.STATUS,
                before=item.reopened_from,
                after=Ticket.Status.OPEN,
                occurred_at=message.created_at,
            )
        )
    return events


def _created_after(ticket: Ticket) -> dict:
    """ticket_create's CREATED `after` for a ticket opened without tags."""
    return {
        "status": ticket.status,
        "priority": ticket.priority,
        "channel": ticket.channel,
        "direction": ticket.direction,
        "team": ticket.team_id,
        "assignee": ticket.assignee_id,
        "type": ticket.type,
        "tags": [],
    }


def _checked(attachments: Iterable) -> list:
    uploads = list(attachments)
    for index, upload in enumerate(uploads):
        attachment_check(upload=upload, already=index)
    return uploads


def _valid(addresses: Iterable[str]) -> set[str]:
    valid = set()
    for address in addresses:
        try:
            valid.add(normalize_email(address))
        except ValidationError:
            continue  # the message itself is refused later, with the reason
    return valid
