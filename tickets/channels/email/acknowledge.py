"""The automatic acknowledgement of a new emailed ticket."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from lifecycle.models import Customer
from mail.services import EmailDraft, email_queue_bulk, outbound_message_id

from ...models import Message, Ticket
from ...services.bulk import TicketBatch
from .outbound import reply_headers_for, system_email_send
from .texts import ACKNOWLEDGEMENT, language_of


def automatic_emails_last_hour(address: str, *, customer_id: int) -> int:
    """Our automatic emails (acknowledgements, follow-ups) to `address` (of customer `customer_id`)
    in the last hour."""
    return automatic_emails_last_hour_bulk({address: customer_id}).get(address, 0)


def automatic_emails_last_hour_bulk(customers: dict[str, int | None]) -> dict[str, int]:
    """automatic_emails_last_hour for many addresses ({address: its customer's id}); one query.

    Only the tickets of the address's customer are searched (an address belongs to one customer,
    whose tickets carry it), so that the ticket index on customer finds them."""
    known = {address: pk for address, pk in customers.items() if pk is not None}
    if not known:
        return {}
    since = timezone.now() - timedelta(hours=1)
    rows = (
        Message.objects.filter(
            kind=Message.Kind.SYSTEM,
            created_at__gte=since,
            ticket__customer_id__in=set(known.values()),
            ticket__requester_email__in=list(known),
        )
        .exclude(external_message_id="")
        .values_list("ticket__requester_email")
        .annotate(n=Count("id"))
        .order_by()
    )
    return dict(rows)


def acknowledgement_text(*, ticket: Ticket, customer: Customer) -> tuple[str, str]:
    """(subject, body) of the acknowledgement, in the customer's language."""
    subject, body = ACKNOWLEDGEMENT[language_of(ticket.language, customer.preferred_language)]
    body = body.format(
        name=customer.first_name or customer.display_name or ticket.requester_email,
        reference=ticket.reference,
        helpdesk=settings.HELPDESK_NAME,
    )
    return subject, body


def _wanted(ticket: Ticket, sent_last_hour: int) -> bool:
    if not settings.EMAIL_ACKNOWLEDGE_NEW_TICKETS or not ticket.requester_email:
        return False
    return sent_last_hour < settings.INBOUND_AUTOMATIC_PER_HOUR


def ticket_acknowledge(*, ticket: Ticket) -> Message | None:
    """Acknowledge a new emailed ticket (EMAIL_ACKNOWLEDGE_NEW_TICKETS), in the customer's language.

    Stored as a system message (never an agent reply, KPIS.md) and sent with Auto-Submitted:
    auto-generated; at most INBOUND_AUTOMATIC_PER_HOUR per address per hour, so two autoresponders
    cannot keep each other busy.
    """
    if not settings.EMAIL_ACKNOWLEDGE_NEW_TICKETS or not ticket.requester_email:
        return None
    sent = automatic_emails_last_hour(ticket.requester_email, customer_id=ticket.customer_id)
    if not _wanted(ticket, sent):
        return None
    subject, body = acknowledgement_text(ticket=ticket, customer=ticket.customer)
    return system_email_send(ticket=ticket, subject=subject, body=body)


@dataclass
class PendingAcknowledgement:
    """An acknowledgement in a TicketBatch, emailed once the batch is written."""

    message: Message
    thread: list[tuple[str, str]]


def acknowledge_in_batch(
    *, batch: TicketBatch, ticket: Ticket, first: Message, sent_last_hour: dict[str, int]
) -> PendingAcknowledgement | None:
    """ticket_acknowledge for a ticket `batch` opens; `sent_last_hour` counts per address (and is
    counted up here)."""
    if not _wanted(ticket, sent_last_hour.get(ticket.requester_email, 0)):
        return None
    sent_last_hour[ticket.requester_email] = sent_last_hour.get(ticket.requester_email, 0) + 1
    message = batch.system_message(
        ticket=ticket,
        body=lambda saved: acknowledgement_text(ticket=saved, customer=saved.customer)[1],
        external_message_id=outbound_message_id(),
        delivery_state=Message.Delivery.QUEUED,
    )
    thread = [(first.external_message_id, Message.Sender.CUSTOMER)] if first.external_message_id else []
    return PendingAcknowledgement(message=message, thread=thread)


def acknowledgements_queue(pending: list[PendingAcknowledgement]) -> None:
    """Queue the emails of a written batch's acknowledgements (one insert into the outbox)."""
    emails = []
    for ack in pending:
        ticket = ack.message.ticket
        subject, body = acknowledgement_text(ticket=ticket, customer=ticket.customer)
        headers, reply_to = reply_headers_for(ticket=ticket, thread=ack.thread)
        emails.append(
            EmailDraft(
                to=[ticket.requester_email],
                subject=f"[{ticket.reference}] {subject}",
                body_text=body,
                headers=headers,
                reply_to=reply_to,
                message_id=ack.message.external_message_id,
                auto_generated=True,
            )
        )
    if emails:
        email_queue_bulk(drafts=emails)
