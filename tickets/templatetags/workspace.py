"""Display helpers for the agent workspace (no queries: they read what the selectors loaded)."""

from datetime import datetime, timedelta

from django import template
from django.http import QueryDict
from django.utils import timezone
from django.utils.safestring import mark_safe

from tickets.models import Ticket
from tickets.sanitize import clean_html as sanitize_html

register = template.Library()

STATUS_BADGES = {
    Ticket.Status.NEW: "text-bg-info",
    Ticket.Status.OPEN: "text-bg-danger",
    Ticket.Status.PENDING: "text-bg-primary",
    Ticket.Status.ON_HOLD: "text-bg-dark",
    Ticket.Status.SOLVED: "text-bg-success",
    Ticket.Status.CLOSED: "text-bg-secondary",
}
PRIORITY_BADGES = {
    Ticket.Priority.URGENT: "text-bg-danger",
    Ticket.Priority.HIGH: "text-bg-warning",
    Ticket.Priority.NORMAL: "text-bg-light border",
    Ticket.Priority.LOW: "text-bg-light border text-muted",
}


@register.filter
def status_badge(status: str) -> str:
    return STATUS_BADGES.get(status, "text-bg-secondary")


@register.filter
def priority_badge(priority: str) -> str:
    return PRIORITY_BADGES.get(priority, "text-bg-light border")


def duration(delta: timedelta) -> str:
    """A short, readable span: 45 s, 12 min, 3 h 5 min, 4 d 2 h."""
    seconds = int(abs(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min"
    return f"{seconds} s"


@register.filter
def span(delta: timedelta) -> str:
    return duration(delta)


@register.simple_tag
def since(moment: datetime | None, now: datetime | None = None) -> str:
    if moment is None:
        return ""
    return duration((now or timezone.now()) - moment)


@register.simple_tag
def sla_due(ticket: Ticket, now: datetime) -> dict | None:
    """The SLA target the ticket must meet next, for the queue: its due time and whether it is breached."""
    if ticket.is_solved:
        return None
    if ticket.first_public_reply_at is None and ticket.first_response_due_at is not None:
        due, name = ticket.first_response_due_at, "First response"
    elif ticket.resolution_due_at is not None:
        due, name = ticket.resolution_due_at, "Resolution"
    else:
        return None
    return {"name": name, "due": due, "breached": due < now, "left": duration(due - now)}


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (None or "" removes them)."""
    query: QueryDict = context["request"].GET.copy()
    for key, value in changes.items():
        query.pop(key, None)
        if value not in (None, ""):
            query[key] = value
    return query.urlencode()


@register.filter
def display_name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


@register.filter
def clean_html(html: str) -> str:
    """Message HTML is sanitised when stored; cleaning again on display costs little and guards old rows."""
    return mark_safe(sanitize_html(html or ""))
