"""The tickets app's sections of a customer's data export (registered in LIFECYCLE_EXPORT_PROVIDERS).

Read-only, with a fixed number of queries whatever the number of tickets and messages.
"""

from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse

from lifecycle.models import Customer

from .models import Attachment, ConversationLink, Message, PortalMagicLink, RawEmail, Ticket, TicketEvent


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def customer_messages(*, customer: Customer, customer_ids: list[int], addresses) -> QuerySet[Message]:
    """Every message of the customer's conversations: on their tickets, moved from their tickets by a
    ticket merge (the MESSAGE event stays behind), written by their portal login or from one of
    their addresses into someone else's ticket. `addresses` is a list or a values() query."""
    tickets = Ticket.objects.filter(customer_id__in=customer_ids)
    moved = TicketEvent.objects.filter(
        ticket__in=tickets, kind=TicketEvent.Kind.MESSAGE, message__isnull=False
    )
    theirs = Q(ticket__in=tickets) | Q(pk__in=moved.values("message_id")) | Q(raw_email__sender__in=addresses)
    if customer.user_id:
        theirs |= Q(author_id=customer.user_id)
    return Message.objects.filter(theirs)


def customer_tickets_export(*, customer: Customer, customer_ids: list[int]) -> dict:
    """Their tickets with every message (public, internal and automatic), attachments listed with
    metadata, rating, chat conversations; the raw emails they sent; their portal sign-in links."""
    tickets = list(
        Ticket.objects.filter(customer_id__in=customer_ids)
        .select_related("team", "assignee", "merged_into", "rating")
        .prefetch_related(
            "tags",
            Prefetch(
                "messages",
                Message.objects.select_related("author")
                .prefetch_related(Prefetch("attachments", Attachment.objects.order_by("pk")))
                .order_by("created_at", "pk"),
            ),
            Prefetch("conversation_links", ConversationLink.objects.order_by("pk")),
        )
        .order_by("created_at", "pk")
    )
    addresses = customer.emails.values("address")
    elsewhere = (
        customer_messages(customer=customer, customer_ids=customer_ids, addresses=addresses)
        .exclude(ticket__customer_id__in=customer_ids)
        .select_related("author")
        .prefetch_related(Prefetch("attachments", Attachment.objects.order_by("pk")))
        .order_by("created_at", "pk")
    )
    raw = RawEmail.objects.filter(Q(ticket__customer_id__in=customer_ids) | Q(sender__in=addresses))
    links = PortalMagicLink.objects.filter(customer_id__in=customer_ids).order_by("pk")
    return {
        "tickets": [_ticket(t) for t in tickets],
        "messages_in_other_tickets": [_message(m) for m in elsewhere],
        "raw_emails": [_raw_email(r) for r in raw.defer("raw").order_by("pk")],
        "portal_sign_in_links": [
            {
                "email": link.email,
                "created_at": _iso(link.created_at),
                "expires_at": _iso(link.expires_at),
                "used_at": _iso(link.used_at),
            }
            for link in links
        ],
    }


def _ticket(ticket: Ticket) -> dict:
    rating = getattr(ticket, "rating", None)
    return {
        "id": ticket.pk,
        "reference": ticket.reference,
        "subject": ticket.subject,
        "requester_email": ticket.requester_email,
        "status": ticket.status,
        "priority": ticket.priority,
        "type": ticket.type,
        "channel": ticket.channel,
        "direction": ticket.direction,
        "language": ticket.language,
        "tags": [tag.name for tag in ticket.tags.all()],
        "team": ticket.team.name if ticket.team else None,
        "assignee": ticket.assignee.get_username() if ticket.assignee else None,
        "customer_stage_at_open": ticket.customer_stage_at_open,
        "created_at": _iso(ticket.created_at),
        "solved_at": _iso(ticket.solved_at),
        "merged_into": ticket.merged_into.reference if ticket.merged_into else None,
        "is_spam": ticket.is_spam,
        "rating": {"score": rating.score, "comment": rating.comment, "created_at": _iso(rating.created_at)}
        if rating
        else None,
        "messages": [_message(m) for m in ticket.messages.all()],
        "conversations": [
            {
                "channel": c.channel,
                "conversation_id": c.conversation_id,
                "sender_id": c.sender_id,
                "sender_name": c.sender_name,
                "created_at": _iso(c.created_at),
            }
            for c in ticket.conversation_links.all()
        ],
    }


def _message(message: Message) -> dict:
    return {
        "id": message.pk,
        "kind": message.kind,
        "sender": message.sender,
        "author": message.author.get_username() if message.author else None,
        "channel": message.channel,
        "created_at": _iso(message.created_at),
        "body_text": message.body_text,
        "body_html": message.body_html,
        "attachments": [
            {
                "filename": a.filename,
                "content_type": a.content_type,
                "size": a.size,
                "created_at": _iso(a.created_at),
                "download_path": reverse("tickets:attachment", args=[a.token]),
            }
            for a in message.attachments.all()
        ],
    }


def _raw_email(raw: RawEmail) -> dict:
    return {
        "id": raw.pk,
        "message_id": raw.header_message_id,
        "sender": raw.sender,
        "subject": raw.subject,
        "received_at": _iso(raw.received_at),
        "state": raw.state,
        "size": raw.size,
        "ticket": raw.ticket_id,
    }
