"""Display helpers for the agent workspace (no queries: they read what the selectors loaded)."""

from datetime import datetime, timedelta

from django import template
from django.http import QueryDict
from django.template.defaultfilters import filesizeformat, linebreaksbr
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from helpdesk.html import esc, html_format
from helpdesk.reversing import url_with
from tickets.models import Message, Ticket
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


# Dates are written with strftime/isoformat rather than the `date` and `naturaltime` filters: a
# queue page shows a hundred of them, and those filters cost more than the page's queries.


@register.filter
def iso(moment: datetime | None) -> str:
    """The moment in the current time zone as ISO 8601, for <time datetime>."""
    return timezone.localtime(moment).isoformat() if moment else ""


@register.filter
def stamp(moment: datetime | None) -> str:
    """The moment in the current time zone, to the minute: 2026-11-22 14:05."""
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}" if moment else ""


def ago(delta: timedelta) -> str:
    """How long ago, in the largest unit that fits: just now, 5 min, 3 h, 2 d, 4 mo, 1 y ago."""
    seconds = delta.total_seconds()
    if seconds < 60:
        return "just now"
    for size, unit in ((31_536_000, "y"), (2_592_000, "mo"), (86_400, "d"), (3_600, "h")):
        if seconds >= size:
            return f"{int(seconds // size)} {unit} ago"
    return f"{int(seconds // 60)} min ago"


@register.simple_tag
def time_ago(moment: datetime | None, now: datetime | None = None) -> SafeString:
    """<time> with the exact moment in its attributes and how long ago as its text."""
    if moment is None:
        return mark_safe("")  # nosec B308, B703: a constant
    local = timezone.localtime(moment)
    return html_format(
        '<time datetime="{}" title="{}">{}</time>',
        local.isoformat(),
        f"{local:%Y-%m-%d %H:%M}",
        ago((now or timezone.now()) - moment),
    )


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


@register.simple_tag
def sla_due_cell(ticket: Ticket, now: datetime) -> SafeString:
    """The queue's SLA column: the next target, breached (how long ago) or due (in how long)."""
    due = sla_due(ticket, now)
    if due is None:
        return mark_safe('<span class="text-muted">—</span>')  # nosec B308, B703: a constant
    local = timezone.localtime(due["due"])
    title = f"{due['name']} due {local:%Y-%m-%d %H:%M}"
    if due["breached"]:
        return html_format(
            '<span class="badge text-bg-danger" title="{}">Breached {} ago</span>', title, due["left"]
        )
    return html_format('<time datetime="{}" title="{}">in {}</time>', local.isoformat(), title, due["left"])


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
    return mark_safe(sanitize_html(html or ""))  # nosec B308, B703  # sanitize_html (the nh3 allowlist) runs right here


_QUEUE_ROW = (
    '<tr data-queue-row data-href="{href}">'
    '<td><input class="form-check-input" type="checkbox" name="tickets" value="{pk}" form="bulk-form"'
    ' id="select-{pk}" aria-label="Select {reference}"></td>'
    '<td class="text-nowrap"><a href="{href}" data-queue-link>{reference}</a></td>'
    '<td class="queue-subject"><a class="link-body-emphasis text-decoration-none" href="{href}" dir="auto"'
    ' tabindex="-1">{subject}</a>{tags}</td>'
    '<td><span dir="auto">{customer}</span><div class="small text-muted">{email}</div></td>'
    '<td><span class="badge {status_badge}">{status}</span></td>'
    '<td><span class="badge {priority_badge}">{priority}</span></td>'
    '<td dir="auto">{assignee}</td>'
    '<td dir="auto">{team}</td>'
    '<td class="text-nowrap">{sla}</td>'
    '<td class="text-nowrap">{updated}</td>'
    "</tr>"
)
_TAG = '<span class="badge rounded-pill text-bg-light border fw-normal ms-1">{}</span>'


@register.simple_tag
def queue_row(ticket: Ticket, now: datetime) -> SafeString:
    """One row of the queue (tickets/_queue_results.html), every value escaped by format_html.

    Written here rather than in the template: twenty-five rows of twenty template variables each
    cost more server time than all the page's queries, and this is a fifth of that.
    """
    team = ticket.team.name if ticket.team else ""
    return html_format(
        _QUEUE_ROW,
        href=url_with("tickets:detail", ticket.reference),
        pk=ticket.pk,
        reference=ticket.reference,
        subject=ticket.subject,
        tags=mark_safe("".join(_TAG.format(esc(name)) for name in ticket.tag_names)),  # nosec B308, B703: escaped
        customer=str(ticket.customer),
        email=ticket.requester_email,
        status_badge=status_badge(ticket.status),
        status=ticket.get_status_display(),
        priority_badge=priority_badge(ticket.priority),
        priority=ticket.get_priority_display(),
        assignee=display_name(ticket.assignee) or "—",
        team=team or "Triage",
        sla=sla_due_cell(ticket, now),
        updated=time_ago(ticket.updated_at, now),
    )


_MESSAGE = (
    '<article class="card mb-2 message message-{kind} message-from-{sender}" id="message-{pk}"'
    ' aria-label="{label}, {stamp}">'
    '<header class="card-header d-flex flex-wrap gap-2 align-items-baseline py-1">'
    '{badge}<strong dir="auto">{author}</strong>{replied}'
    '<span class="small text-muted ms-auto">{when}</span></header>'
    '<div class="card-body py-2 message-body" dir="auto">{body}</div>{files}</article>'
)
_MESSAGE_BADGES = {
    Message.Kind.NOTE: mark_safe(  # nosec B308, B703: a constant
        '<span class="badge text-bg-warning"><i class="bi bi-lock" aria-hidden="true"></i>'
        " Internal note</span>"
    ),
    Message.Kind.SYSTEM: mark_safe('<span class="badge text-bg-secondary">System</span>'),  # nosec B308, B703
}
_REPLIED = mark_safe('<span class="small text-muted">replied</span>')  # nosec B308, B703: a constant
_FILE = (
    '<li class="list-inline-item"><a href="{}?download=1" download><i class="bi bi-paperclip"'
    ' aria-hidden="true"></i> <span dir="auto">{}</span></a> <span class="text-muted">({})</span></li>'
)


def _message_label(message: Message) -> str:
    if message.kind == Message.Kind.NOTE:
        return "Internal note"
    if message.kind == Message.Kind.SYSTEM:
        return "System message"
    return "Customer message" if message.sender == Message.Sender.CUSTOMER else "Agent reply"


@register.simple_tag
def message_card(message: Message, ticket: Ticket, now: datetime | None = None) -> SafeString:
    """One message of the conversation. selectors.ticket_page gives it `files` and `author_name`;
    a message read any other way costs a query for each.

    Written here rather than as a template included per message, for the reason queue_row is.
    """
    if message.sender == Message.Sender.CUSTOMER:
        author = str(ticket.customer)
    else:
        name = getattr(message, "author_name", None)
        author = (display_name(message.author) if name is None else name) or message.get_sender_display()
    if message.body_html:
        body = clean_html(message.body_html)
    else:
        body = linebreaksbr(message.body_text, autoescape=True)
    files, attached = "", getattr(message, "files", None)
    if attached is None:  # a message not read by selectors.ticket_page
        attached = list(message.attachments.order_by("pk"))
    if attached:
        items = "".join(
            _FILE.format(
                esc(url_with("tickets:attachment", file.token)),
                esc(file.filename),
                esc(filesizeformat(file.size)),
            )
            for file in attached
        )
        files = mark_safe(  # nosec B308, B703: every value in the items is escaped above
            f'<footer class="card-footer py-1"><ul class="list-inline mb-0 small">{items}</ul></footer>'
        )
    public_reply = message.kind == Message.Kind.PUBLIC and message.sender == Message.Sender.AGENT
    return html_format(
        _MESSAGE,
        kind=message.kind,
        sender=message.sender,
        pk=message.pk,
        label=_message_label(message),
        stamp=stamp(message.created_at),
        badge=_MESSAGE_BADGES.get(message.kind, ""),
        author=author,
        replied=_REPLIED if public_reply else "",
        when=time_ago(message.created_at, now),
        body=body,
        files=files,
    )


_HISTORY_ROW = (
    '<tr><td class="text-nowrap"><time datetime="{}">{}</time></td><td dir="auto">{}</td><td>{}</td>'
    '<td dir="auto">{}</td><td dir="auto">{}</td></tr>'
)


@register.simple_tag
def history_row(entry) -> SafeString:
    """One row of the ticket's history (a selectors.HistoryEntry): when, who, what, before, after."""
    event = entry.event
    return html_format(
        _HISTORY_ROW,
        iso(event.occurred_at),
        stamp(event.occurred_at),
        entry.actor or "System",
        event.get_kind_display(),
        entry.before,
        entry.after,
    )
