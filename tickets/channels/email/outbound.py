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
    thread = thread_message_ids(ticket)
    headers = {"X-Helpdesk-Ticket": ticket.reference}
    if thread:
        ids = [message_id for message_id, _ in thread]
        customer_ids = [message_id for message_id, sender in thread if sender == Message.Sender.CUSTOMER]
        headers["In-Reply-To"] = (customer_ids or ids)[-1]
        if len(ids) > MAX_REFERENCES:
            ids = [ids[0], *ids[-(MAX_REFERENCES - 1) :]]
        headers["References"] = " ".join(ids)
    return headers, reply_address(ticket=ticket)
