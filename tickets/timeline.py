"""The tickets app's items on the customer page's timeline (registered in LIFECYCLE_TIMELINE_PROVIDERS)."""

from django.urls import NoReverseMatch, reverse

from lifecycle.models import Customer
from lifecycle.timeline import TimelineItem

from .models import SatisfactionRating, Ticket


def ticket_url(reference: str) -> str:
    try:
        return reverse("tickets:detail", args=[reference])
    except NoReverseMatch:
        return f"/tickets/{reference}/"


def customer_timeline_items(*, customer: Customer, limit: int) -> list[TimelineItem]:
    """The customer's most recent tickets and ratings (one query each), newest first."""
    tickets = Ticket.objects.counted().filter(customer=customer).order_by("-created_at", "-pk")[:limit]
    items = [
        TimelineItem(
            occurred_at=t.created_at,
            kind="ticket",
            title=f"{t.reference} {t.subject}",
            url=ticket_url(t.reference),
            detail=f"{t.get_status_display()} · {t.get_channel_display()} · {t.get_priority_display()}",
            icon="ticket",
        )
        for t in tickets.only("pk", "subject", "created_at", "status", "channel", "priority")
    ]
    ratings = (
        SatisfactionRating.objects.filter(ticket__customer=customer, ticket__is_spam=False)
        .select_related("ticket")
        .only("score", "comment", "created_at", "ticket__id", "ticket__subject")
        .order_by("-created_at", "-pk")[:limit]
    )
    items += [
        TimelineItem(
            occurred_at=r.created_at,
            kind="rating",
            title=f"Rated {r.ticket.reference} {r.score}/5",
            url=ticket_url(r.ticket.reference),
            detail=r.comment[:200],
            icon="star",
        )
        for r in ratings
    ]
    items.sort(key=lambda item: item.occurred_at, reverse=True)
    return items[:limit]
