"""Headers that make our outbound mail thread in the customer's client and lead replies back to us."""

from ...models import Message, Ticket
from .threading import reply_address

MAX_REFERENCES = 20


def thread_message_ids(ticket: Ticket) -> list[str]:
    """The Message-IDs of the ticket's conversation so far, oldest first (inbound and our own)."""
    rows = (
        Message.objects.filter(ticket=ticket, kind=Message.Kind.PUBLIC)
        .exclude(external_message_id="")
        .order_by("created_at", "pk")
        .values_list("external_message_id", "sender")
    )
    return [(message_id, sender) for message_id, sender in rows]


def reply_headers(*, ticket: Ticket) -> tuple[dict[str, str], str]:
    """(headers, reply address) for a public reply on `ticket`: In-Reply-To the customer's last
    message, References the thread (the first id and the latest ones, as RFC 5322 advises), and a
    signed reply address carrying the ticket reference."""
    return reply_headers_for(ticket=ticket, thread=thread_message_ids(ticket))


def reply_headers_for(*, ticket: Ticket, thread: list[tuple[str, str]]) -> tuple[dict[str, str], str]:
    """reply_headers with the thread's (Message-ID, sender) pairs already known, oldest first."""
    headers = {"X-Helpdesk-Ticket": ticket.reference}
    if thread:
        ids = [message_id for message_id, _ in thread]
        customer_ids = [message_id for message_id, sender in thread if sender == Message.Sender.CUSTOMER]
        headers["In-Reply-To"] = (customer_ids or ids)[-1]
        if len(ids) > MAX_REFERENCES:
            ids = [ids[0], *ids[-(MAX_REFERENCES - 1) :]]
        headers["References"] = " ".join(ids)
    return headers, reply_address(ticket=ticket)


def system_email_send(*, ticket: Ticket, subject: str, body: str) -> Message:
    """Store `body` as a system message on `ticket` and email it to the requester, threaded, marked
    Auto-Submitted: auto-generated (acknowledgements, follow-ups)."""
    # Imported here: the ticket services import this module for reply_headers.
    from mail.services import email_queue

    from ...services import ticket_system_message

    message = ticket_system_message(ticket=ticket, body=body)
    headers, reply_to = reply_headers(ticket=ticket)
    email = email_queue(
        to=[ticket.requester_email],
        subject=f"[{ticket.reference}] {subject}",
        body_text=body,
        headers=headers,
        reply_to=reply_to,
        auto_generated=True,
    )
    message.external_message_id = email.message_id
    message.delivery_state = Message.Delivery.QUEUED
    message.save(update_fields=["external_message_id", "delivery_state"])
    return message
