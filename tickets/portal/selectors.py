"""Reads for the portal. Everything is scoped to the signed-in customer here, so no view can forget it."""

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from lifecycle.models import Customer

from ..models import Attachment, Message, Ticket

PAGE_SIZE = 20
# Merges are rare and short; the bound keeps a bad loop from running forever.
MAX_MERGE_DEPTH = 10


def portal_customer(user) -> Customer | None:
    return getattr(user, "customer", None) if user.is_authenticated else None


def portal_customer_ids(user) -> list[int]:
    """The user's customer and every customer merged into it (their tickets are the user's too)."""
    customer = portal_customer(user)
    if customer is None:
        return []
    ids, frontier = [customer.pk], [customer.pk]
    for _ in range(MAX_MERGE_DEPTH):
        frontier = list(Customer.objects.filter(merged_into__in=frontier).values_list("pk", flat=True))
        if not frontier:
            break
        ids.extend(frontier)
    return ids


def _own_tickets(user) -> QuerySet[Ticket]:
    return Ticket.objects.filter(customer_id__in=portal_customer_ids(user), is_spam=False)


def portal_ticket_page(
    *, user, before: int | None = None, size: int = PAGE_SIZE
) -> tuple[list[Ticket], int | None]:
    """One page of the user's tickets, newest first, and the cursor of the next page (keyset on id)."""
    tickets = _own_tickets(user).only(
        "pk", "subject", "status", "created_at", "last_message_at", "updated_at"
    )
    if before is not None:
        tickets = tickets.filter(pk__lt=before)
    page = list(tickets.order_by("-pk")[: size + 1])
    next_cursor = page[size - 1].pk if len(page) > size else None
    return page[:size], next_cursor


def portal_ticket_get(*, user, pk: int) -> Ticket:
    """The user's ticket `pk`, or 404 (another customer's ticket looks exactly like a missing one)."""
    ticket = _own_tickets(user).select_related("rating", "merged_into").filter(pk=pk).first()
    if ticket is None:
        raise Http404("No such request.")
    return ticket


def portal_messages(*, ticket: Ticket) -> QuerySet[Message]:
    """What the customer sees of a conversation: public messages only, never notes or system entries."""
    return (
        Message.objects.filter(ticket=ticket, kind=Message.Kind.PUBLIC)
        .select_related("author")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("pk")))
        .order_by("created_at", "pk")
    )


def portal_attachment_get(*, user, token: str) -> Attachment:
    """An attachment of a public message on one of the user's tickets, or 404."""
    attachment = (
        Attachment.objects.filter(
            token=token,
            message__kind=Message.Kind.PUBLIC,
            message__ticket__in=_own_tickets(user),
        )
        .select_related("message")
        .first()
    )
    if attachment is None:
        raise Http404("No such file.")
    return attachment
