"""Reads for the agent workspace.

Every ticket read starts from `tickets_visible_to`, so a caller cannot forget permission
scoping: agents see their teams' tickets, tickets assigned to them and tickets with no team
(triage); QA reviewers also see the teams they review; managers and admins see everything;
anyone else sees nothing.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Case, Expression, IntegerField, JSONField, Q, QuerySet, Value, When
from django.http import QueryDict
from django.utils import timezone

from helpdesk.roles import QA_REVIEWER, WORKSPACE_ROLES, has_role, sees_all_teams
from lifecycle.models import Customer, TouchpointEvent
from lifecycle.selectors import customer_lookup

from .directory import directory
from .filters import TicketFilter
from .keyset import Page, SortKey, keyset_page
from .models import (
    Attachment,
    CannedReply,
    Message,
    SatisfactionRating,
    SavedView,
    Tag,
    Team,
    Ticket,
    TicketEvent,
)

User = get_user_model()

SLA_AT_RISK_WINDOW = timedelta(hours=1)
RECENTLY_SOLVED_WINDOW = timedelta(days=7)
PAGE_SIZES = (25, 50, 100)


# --- Scoping ---------------------------------------------------------------------------------


def team_ids_for(user) -> frozenset[int]:
    """Teams whose tickets `user` works: member of, plus reviewed ones for QA. Cached per request;
    the session's user comes with them already (tickets.teams)."""
    cached = getattr(user, "_helpdesk_team_ids", None)
    if cached is not None:
        return cached
    members = Team.members.through.objects.filter(user_id=user.pk).values_list("team_id", flat=True)
    if has_role(user, QA_REVIEWER):
        reviewed = Team.qa_reviewers.through.objects.filter(user_id=user.pk).values_list("team_id", flat=True)
        members = members.union(reviewed)
    user._helpdesk_team_ids = frozenset(members)
    return user._helpdesk_team_ids


def tickets_visible_to(*, user) -> QuerySet[Ticket]:
    if not getattr(user, "is_authenticated", False) or not has_role(user, *WORKSPACE_ROLES):
        return Ticket.objects.none()
    if sees_all_teams(user):
        return Ticket.objects.all()
    return Ticket.objects.filter(
        Q(team__isnull=True) | Q(team_id__in=sorted(team_ids_for(user))) | Q(assignee_id=user.pk)
    )


def ticket_id_from_reference(reference: str) -> int | None:
    match = re.fullmatch(
        rf"{re.escape(settings.TICKET_REFERENCE_PREFIX)}-(\d{{1,18}})", reference or "", re.I
    )
    return int(match.group(1)) if match else None


def ticket_for_agent(*, user, reference: str) -> Ticket:
    """The ticket for its reference, if `user` may see it; raises Ticket.DoesNotExist otherwise."""
    pk = ticket_id_from_reference(reference)
    if pk is None:
        raise Ticket.DoesNotExist(reference)
    return (
        tickets_visible_to(user=user)
        .select_related("customer", "team", "assignee")
        .annotate(_tag_names=tag_names_of_ticket())
        .get(pk=pk)
    )


class _JSONList(Expression):
    """A scalar subquery for `annotate`: for each annotated row, the rows that `parts` selects, in
    their order, as a JSON list of one value each (or of a list of values, with several).

    `parts(quote, outer)` gives the SQL pieces `(rows, values, order)`: `rows` is FROM ... WHERE,
    correlated to the annotated table by its name `outer`; `values` and `order` are columns. The
    SQL is written when the query is compiled, with the compiling connection and the name the
    query gives the annotated table (Django renames it inside a subquery). PostgreSQL aggregates
    in order, as does SQLite from 3.44. Every piece comes from model metadata: no input reaches
    this SQL.
    """

    output_field = JSONField()

    def __init__(self, parts):
        super().__init__()
        self.parts = parts

    def as_sql(self, compiler, connection):
        outer = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        rows, values, order = self.parts(connection.ops.quote_name, outer)
        if connection.vendor == "postgresql":
            value = values[0] if len(values) == 1 else f"JSONB_BUILD_ARRAY({', '.join(values)})"
            inner = f"SELECT {value} AS v, {order} AS o {rows}"
            return f"(SELECT COALESCE(JSONB_AGG(n.v ORDER BY n.o), '[]') FROM ({inner}) n)", ()  # noqa: S608
        value = values[0] if len(values) == 1 else f"JSON_ARRAY({', '.join(values)})"
        element = "n.v" if len(values) == 1 else "JSON(n.v)"  # JSON(): an array stays one through n
        inner = f"SELECT {value} AS v, {order} AS o {rows}"
        if sqlite3.sqlite_version_info >= (3, 44):
            return f"(SELECT JSON_GROUP_ARRAY({element} ORDER BY n.o) FROM ({inner}) n)", ()  # noqa: S608
        # Older SQLite cannot order inside an aggregate; it reads an ordered subquery in its order
        # (it does not flatten a subquery with ORDER BY into an aggregate query).
        return f"(SELECT JSON_GROUP_ARRAY({element}) FROM ({inner} ORDER BY 2) n)", ()  # noqa: S608


def _tag_names_parts(quote, outer):
    link = Ticket.tags.through._meta
    ticket, tag = quote(link.get_field("ticket").column), quote(link.get_field("tag").column)
    rows = (
        f"FROM {quote(Tag._meta.db_table)} tg JOIN {quote(link.db_table)} tt ON tt.{tag} = tg.id"
        f" WHERE tt.{ticket} = {outer}.{quote('id')}"
    )
    name = f"tg.{quote('name')}"
    return rows, (name,), name


def tag_names_of_ticket() -> _JSONList:
    """Annotate tickets with their tag names in name order (a JSON list), read with the ticket
    instead of in a query of their own; `tag_names_of` reads it back."""
    return _JSONList(_tag_names_parts)


@dataclass(frozen=True)
class FileLink:
    """An attachment as the conversation links to it (tickets:attachment serves it by token)."""

    token: str
    filename: str
    size: int


def _files_parts(quote, outer):
    meta = Attachment._meta
    message = quote(meta.get_field("message").column)
    rows = f"FROM {quote(meta.db_table)} a WHERE a.{message} = {outer}.{quote('id')}"
    values = tuple(f"a.{quote(meta.get_field(name).column)}" for name in ("token", "filename", "size"))
    return rows, values, "a.id"


def files_of_message() -> _JSONList:
    """Annotate messages with their attachments in upload order, as [token, filename, size] lists
    (`_files`), read with the messages instead of in a query of their own."""
    return _JSONList(_files_parts)


def tag_names_of(ticket: Ticket) -> list[str]:
    """The ticket's tag names in name order: annotated by `ticket_for_agent`, else one query."""
    annotated = getattr(ticket, "_tag_names", None)
    if annotated is not None:
        return annotated
    return tag_names_by_ticket([ticket.pk])[ticket.pk]


def tag_names_by_ticket(ticket_ids) -> dict[int, list[str]]:
    """Each ticket's tag names in name order, from one light query (Django's prefetch machinery
    cost twice what the query itself does: 1.1 ms against 0.4 on the ticket page)."""
    names: dict[int, list[str]] = {pk: [] for pk in ticket_ids}
    rows = (
        Ticket.tags.through.objects.filter(ticket_id__in=list(names))
        .order_by("tag__name")
        .values_list("ticket_id", "tag__name")
    )
    for ticket_id, name in rows:
        names[ticket_id].append(name)
    return names


def visible_ticket_id(*, user, reference: str) -> int | None:
    """The ticket's id if `user` may see it, in one light query (for the presence heartbeat)."""
    pk = ticket_id_from_reference(reference)
    if pk is None:
        return None
    return tickets_visible_to(user=user).filter(pk=pk).values_list("pk", flat=True).first()


def tickets_for_agent_by_ids(*, user, ids) -> QuerySet[Ticket]:
    return tickets_visible_to(user=user).filter(pk__in=list(ids))


# --- The queue -------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueView:
    slug: str
    name: str
    # A recent window: few tickets, all near the top of the "recently updated" and "newest"
    # orders but scattered through "due soonest", where walking the index could take a second.
    recent_window: bool = False

    def sort_found(self, keys: tuple[SortKey, ...]) -> bool:
        return self.recent_window and not keys[0].descending

    def narrow(self, queryset: QuerySet, *, user, now: datetime) -> QuerySet:
        return _VIEW_FILTERS[self.slug](queryset, user, now)


def _sla_at_risk(queryset: QuerySet, user, now: datetime) -> QuerySet:
    soon = now + SLA_AT_RISK_WINDOW
    return queryset.unsolved().filter(
        Q(resolution_due_at__lte=soon)
        | Q(first_public_reply_at__isnull=True, first_response_due_at__lte=soon)
    )


_VIEW_FILTERS = {
    "mine": lambda qs, user, now: qs.unsolved().filter(assignee_id=user.pk),
    "unassigned": lambda qs, user, now: qs.unsolved().filter(assignee__isnull=True),
    "teams": lambda qs, user, now: qs.unsolved().filter(team_id__in=sorted(team_ids_for(user))),
    "open": lambda qs, user, now: qs.unsolved(),
    "sla": _sla_at_risk,
    "solved": lambda qs, user, now: qs.filter(
        status__in=Ticket.SOLVED, solved_at__gte=now - RECENTLY_SOLVED_WINDOW
    ),
    "all": lambda qs, user, now: qs,
}

QUEUE_VIEWS = (
    QueueView("mine", "My open"),
    QueueView("unassigned", "Unassigned"),
    QueueView("teams", "My teams"),
    QueueView("open", "All open"),
    QueueView("sla", "SLA at risk"),
    QueueView("solved", "Recently solved", recent_window=True),
    QueueView("all", "All statuses"),
)
QUEUE_VIEWS_BY_SLUG = {view.slug: view for view in QUEUE_VIEWS}
DEFAULT_VIEW = "mine"

_PRIORITY_RANK = Case(
    When(priority=Ticket.Priority.URGENT, then=Value(4)),
    When(priority=Ticket.Priority.HIGH, then=Value(3)),
    When(priority=Ticket.Priority.NORMAL, then=Value(2)),
    default=Value(1),
    output_field=IntegerField(),
)

# Each order ends on the primary key so that it is total (keyset pagination needs that).
SORTS: dict[str, tuple[str, tuple[SortKey, ...]]] = {
    "updated": (
        "Recently updated",
        (SortKey("updated_at", descending=True, is_datetime=True), SortKey("id", descending=True)),
    ),
    "created": (
        "Newest",
        (SortKey("created_at", descending=True, is_datetime=True), SortKey("id", descending=True)),
    ),
    "priority": (
        "Priority",
        (
            SortKey("priority_rank", descending=True),
            SortKey("updated_at", descending=True, is_datetime=True),
            SortKey("id", descending=True),
        ),
    ),
    "due": (
        "Due soonest",
        (SortKey("resolution_due_at", nullable=True, is_datetime=True), SortKey("id")),
    ),
}
DEFAULT_SORT = "updated"


# What a queue row (tickets/templatetags/workspace.py queue_row) and the sort keys read.
QUEUE_ROW_FIELDS = (
    *("id", "subject", "requester_email", "status", "priority", "created_at", "updated_at"),
    *("first_public_reply_at", "first_response_due_at", "resolution_due_at"),
    *("customer__id", "customer__display_name", "team__id", "team__name"),
    *(f"assignee__{name}" for name in ("id", "username", "first_name", "last_name")),
)


@dataclass
class QueueResult:
    view: QueueView
    sort: str
    filterset: TicketFilter
    page: Page
    size: int
    now: datetime = field(default_factory=timezone.now)


def ticket_queue(*, user, params: QueryDict, request=None) -> QueueResult:
    """One page of the queue for `user`: a built-in view, the filters and sort in `params`, a cursor.

    A fixed number of queries whatever the page size: the rows (customer, team and assignee
    joined) and their tags. Raises keyset.InvalidCursor for a cursor we did not make.
    """
    now = timezone.now()
    view = QUEUE_VIEWS_BY_SLUG.get(params.get("view", ""), QUEUE_VIEWS_BY_SLUG[DEFAULT_VIEW])
    sort = params.get("sort") if params.get("sort") in SORTS else DEFAULT_SORT
    size = _page_size(params.get("size"))
    base = view.narrow(tickets_visible_to(user=user), user=user, now=now).filter(is_spam=False)
    filterset = TicketFilter(params, queryset=base, request=request)
    queryset = filterset.qs if filterset.is_valid() else base.none()
    if sort == "priority":
        queryset = queryset.annotate(priority_rank=_PRIORITY_RANK)
    # Only the columns a row shows or sorts by: a third of the columns to write, read and convert.
    queryset = queryset.select_related("customer", "team", "assignee").only(*QUEUE_ROW_FIELDS)
    keys = SORTS[sort][1]
    page = keyset_page(
        queryset,
        keys,
        size=size,
        after=params.get("after"),
        before=params.get("before"),
        sort_found=view.sort_found(keys),
    )
    # Tags as plain lists of names (tag_names): a related manager per row cost more than the row.
    tags = tag_names_by_ticket(row.pk for row in page.rows)
    for row in page.rows:
        row.tag_names = tags[row.pk]
    return QueueResult(view=view, sort=sort, filterset=filterset, page=page, size=size, now=now)


def _page_size(raw: str | None) -> int:
    try:
        size = int(raw or PAGE_SIZES[0])
    except ValueError:
        return PAGE_SIZES[0]
    return size if size in PAGE_SIZES else PAGE_SIZES[0]


def workspace_agents() -> QuerySet:
    """Users who can be given tickets: every active member of a workspace role, or a superuser."""
    return (
        User.objects.filter(is_active=True)
        .filter(Q(groups__name__in=WORKSPACE_ROLES) | Q(is_superuser=True))
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


# What a page needs to name a person (`display_name`): pages that only show names load no more.
NAME_FIELDS = ("id", "username", "first_name", "last_name")


def workspace_agent_names() -> QuerySet:
    """`workspace_agents()` with only their names: for choices and labels, not for services."""
    return workspace_agents().only(*NAME_FIELDS)


def saved_views_for(*, user) -> QuerySet[SavedView]:
    return SavedView.objects.filter(owner_id=user.pk)


# --- The ticket page -------------------------------------------------------------------------


@dataclass
class SLAClock:
    """One SLA target of a ticket, judged as KPIS.md does: achieved, breached or pending."""

    name: str
    due_at: datetime
    state: str  # "achieved" | "breached" | "pending"
    done_at: datetime | None


def sla_clocks(ticket: Ticket, *, now: datetime) -> list[SLAClock]:
    clocks = []
    if ticket.direction == Ticket.Direction.INBOUND and ticket.first_response_due_at:
        clocks.append(
            _clock("First response", ticket.first_response_due_at, ticket.first_public_reply_at, now)
        )
    if ticket.resolution_due_at:
        solved_at = ticket.solved_at if ticket.is_solved else None
        clocks.append(_clock("Resolution", ticket.resolution_due_at, solved_at, now))
    return clocks


def _clock(name: str, due: datetime, done: datetime | None, now: datetime) -> SLAClock:
    if done is not None:
        state = "achieved" if done <= due else "breached"
    else:
        state = "breached" if now > due else "pending"
    return SLAClock(name=name, due_at=due, state=state, done_at=done)


@dataclass
class HistoryEntry:
    event: TicketEvent
    actor: str  # who made the change, "" for the system
    before: str
    after: str


@dataclass
class TicketPage:
    ticket: Ticket
    tag_names: list[str]
    messages: list[Message]  # each with its attachments as `files` (FileLink) and `author_name`
    history: list[HistoryEntry]
    clocks: list[SLAClock]
    customer: Customer
    other_tickets: list[Ticket]
    ratings: list[SatisfactionRating]
    touchpoints: list[TouchpointEvent]
    canned_replies: list[CannedReply]
    last_public_message_id: int | None
    agents: list  # who the ticket can be given to (the controls), also naming people in the history
    teams: list[Team]
    chat_claims: list[ChatClaim] = field(default_factory=list)


@dataclass
class ChatClaim:
    """An address a web-chat visitor typed without signing in, and the customer it belongs to."""

    email: str
    customer: Customer | None


def ticket_page(*, user, ticket: Ticket) -> TicketPage:
    """Everything the ticket page shows, in a fixed number of queries however long the ticket.

    Messages come with their files, and the people who wrote them and changed the ticket are named
    from the directory, so neither query joins; only former agents cost one more query for all.
    """
    messages = list(ticket.messages.annotate(_files=files_of_message()))
    events = list(ticket.events.order_by("occurred_at", "pk"))
    listed = directory()
    agents, teams = list(listed.agents), list(listed.teams)
    names = _people_named(_people_of(messages, events), agents)
    for message in messages:
        message.files = [FileLink(*file) for file in message._files]
        by_agent = message.author_id and message.sender != Message.Sender.CUSTOMER
        message.author_name = names.get(message.author_id, "") if by_agent else ""
    customer = ticket.customer
    # The customer's tickets that `user` may see: the sidebar names no other team's ticket or rating.
    customer_tickets = tickets_visible_to(user=user).filter(customer_id=customer.pk)
    return TicketPage(
        ticket=ticket,
        tag_names=tag_names_of(ticket),
        messages=messages,
        history=_history(events, names=names, teams=teams),
        clocks=sla_clocks(ticket, now=timezone.now()),
        customer=customer,
        other_tickets=list(
            customer_tickets.exclude(pk=ticket.pk)
            .order_by("-created_at", "-pk")
            .only("id", "subject", "status", "created_at")[:5]
        ),
        ratings=list(
            SatisfactionRating.objects.filter(ticket__in=customer_tickets.values("pk")).order_by(
                "-created_at"
            )[:5]
        ),
        touchpoints=list(
            TouchpointEvent.objects.filter(customer_id=customer.pk)
            .order_by("-occurred_at")
            .only("id", "type", "value", "occurred_at")[:5]
        ),
        canned_replies=listed.canned_replies_for(ticket.team_id),
        last_public_message_id=max((m.pk for m in messages if m.kind == Message.Kind.PUBLIC), default=None),
        agents=agents,
        teams=teams,
        chat_claims=_chat_claims(ticket),
    )


def _people_of(messages: list[Message], events: list[TicketEvent]) -> set[int]:
    """Everyone the page names: authors of agent messages, who changed the ticket, and assignees."""
    ids = {m.author_id for m in messages if m.author_id and m.sender != Message.Sender.CUSTOMER}
    ids.update(e.actor_id for e in events if e.actor_id)
    ids.update(
        v for e in events if e.kind in _PEOPLE_KINDS for v in (e.before, e.after) if isinstance(v, int)
    )
    return ids


def _people_named(user_ids: set[int], agents: list) -> dict[int, str]:
    """Display names of `user_ids`: agents from the directory, anyone else in one query."""
    people = {u.pk: u for u in agents if u.pk in user_ids}
    missing = user_ids - people.keys()
    if missing:
        people.update(User.objects.only(*NAME_FIELDS).in_bulk(missing))
    return {pk: u.get_full_name() or u.get_username() for pk, u in people.items()}


def _chat_claims(ticket: Ticket) -> list[ChatClaim]:
    """Unverified addresses of the ticket's chat conversation (one query, only on chat tickets)."""
    if ticket.channel != Ticket.Channel.CHAT:
        return []
    emails = (
        ticket.conversation_links.filter(email_verified=False)
        .exclude(claimed_email="")
        .values_list("claimed_email", flat=True)
    )
    return [ChatClaim(email=email, customer=customer_lookup(value=email)) for email in dict.fromkeys(emails)]


def canned_replies_for(*, ticket: Ticket) -> list[CannedReply]:
    return list(
        CannedReply.objects.filter(is_active=True).filter(Q(team__isnull=True) | Q(team_id=ticket.team_id))
    )


_PEOPLE_KINDS = {TicketEvent.Kind.ASSIGNEE}
_TEAM_KINDS = {TicketEvent.Kind.TEAM}


def _history(events: list[TicketEvent], *, names: dict[int, str], teams: list[Team]) -> list[HistoryEntry]:
    """The ticket's events with who made each change, and the people and teams in them, named."""
    kinds = {TicketEvent.Kind.ASSIGNEE: names, TicketEvent.Kind.TEAM: {team.pk: team.name for team in teams}}
    return [
        HistoryEntry(
            event=e,
            actor=names.get(e.actor_id, "") if e.actor_id else "",
            before=_describe(e.kind, e.before, kinds),
            after=_describe(e.kind, e.after, kinds),
        )
        for e in events
    ]


_LABELS = {
    TicketEvent.Kind.STATUS: dict(Ticket.Status.choices),
    TicketEvent.Kind.PRIORITY: dict(Ticket.Priority.choices),
    TicketEvent.Kind.TYPE: dict(Ticket.Type.choices),
}


def _describe(kind: str, value, names: dict) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if kind in names and isinstance(value, int):
        return names[kind].get(value, f"#{value}")
    if kind in _LABELS and isinstance(value, str):
        return _LABELS[kind].get(value, value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def attachment_for_agent(*, user, token: str) -> Attachment:
    """The attachment, if `user` may see its ticket; raises Attachment.DoesNotExist otherwise."""
    visible = tickets_visible_to(user=user).values("pk")
    return Attachment.objects.select_related("message").get(token=token, message__ticket_id__in=visible)
