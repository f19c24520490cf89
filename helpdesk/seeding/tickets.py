"""Demo teams, SLA policies, canned replies and tickets with their whole history.

Tickets are written in bulk (COPY on PostgreSQL) with the rows the services would have written:
the CREATED event, a MESSAGE event per message, STATUS events that match the ticket's status and
solved_at (some tickets reopened), assignments, priority changes with their SLA event, ratings on
about 30% of solved tickets (RATED), a few spam tickets (SPAM), tags, and a support_ticket
touchpoint per ticket. Rows are made by cheap Python in chunks: precomputed choices and text
(escaped once), timestamps as epoch seconds formatted through lookup tables, each row one line of
COPY's text format made by one f-string, no ORM per row.
"""

from __future__ import annotations

import json
import random
import time
from bisect import bisect_left
from datetime import UTC, datetime, timedelta
from functools import cache, partial

from django.contrib.auth.models import User
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import OuterRef, Subquery

from helpdesk import roles
from helpdesk.db import create_indexes, drop_secondary_indexes
from lifecycle.models import Customer, CustomerEmail, TouchpointEvent
from tickets.models import (
    CannedReply,
    Message,
    SatisfactionRating,
    SearchDocument,
    SLAPolicy,
    Tag,
    Team,
    Ticket,
    TicketEvent,
)
from tickets.sanitize import text_to_html
from tickets.services import search_documents_rebuild

from . import Seeder, copy_text, in_processes
from .texts import LANGUAGES

CHUNK = 25_000
# Each chunk of tickets has its own random stream and its own block of message, event and rating
# ids, sized by what one story can write at most (see _Story), so that chunks can be made in any
# order or at once in several processes with the same result. Unused ids are gaps, as rollbacks
# leave in any sequence.
MAX_MESSAGES, MAX_EVENTS = 12, 40
MINUTE, HOUR, DAY = 60, 3600, 86400
INDEX_BUILD_MEMORY = "512MB"  # per index built at once after the load (two by default)

TEAMS = ("Billing", "Technical support", "Shipping", "Customer success")
TAGS = (
    "refund",
    "login",
    "delivery",
    "invoice",
    "bug",
    "feature-request",
    "vip",
    "mobile-app",
    "outage",
    "password",
)
SLA = {
    "low": (24 * 60, 7 * 24 * 60),
    "normal": (8 * 60, 3 * 24 * 60),
    "high": (2 * 60, 24 * 60),
    "urgent": (30, 8 * 60),
}
CANNED = (
    (
        "Greeting and looking into it",
        "Hi {{ customer.first_name }},\n\nThanks for writing to us about "
        "{{ ticket.reference }}. I am looking into it now and will get back to you today.\n\n"
        "{{ agent.first_name }}",
        "open",
        "",
        [],
    ),
    (
        "Solved: refund issued",
        "Hi {{ customer.first_name }},\n\nI have refunded the charge; it will show on your "
        "statement within 3-5 business days.\n\nBest regards,\n{{ agent.name }}",
        "solved",
        "",
        ["refund"],
    ),
    (
        "Need more information",
        "Hi {{ customer.first_name }},\n\nCould you send us a screenshot and the exact "
        "error message? That will help us find the cause.\n\n{{ agent.first_name }}",
        "pending",
        "",
        [],
    ),
    (
        "Password reset steps",
        "Hi {{ customer.first_name }},\n\nUse “Forgot password” on the sign-in page; the link "
        "is valid for one hour. Check your spam folder if it does not arrive.\n\n{{ agent.first_name }}",
        "solved",
        "",
        ["password"],
    ),
    (
        "Escalated to engineering",
        "Hi {{ customer.first_name }},\n\nI have passed {{ ticket.reference }} to our "
        "engineers with high priority. We will update you as soon as we know more.\n\n{{ agent.name }}",
        "on_hold",
        "high",
        ["bug"],
    ),
    (
        "Delivery delayed",
        "Hi {{ customer.first_name }},\n\nYour parcel is delayed at the carrier. A new tracking "
        "number follows by email today.\n\n{{ agent.first_name }}",
        "pending",
        "",
        ["delivery"],
    ),
)
NOTES = (
    "Checked the logs: the error started after the last release.",
    "Customer called as well; same issue.",
    "Waiting for the warehouse to confirm the stock.",
    "Refund approved by the team lead.",
)
SYSTEM_ACK = "We received your request and will answer as soon as we can."
FOLLOW_UPS = {
    "en": "Thanks, that helped. One more question: does this also apply to my second account?",
}
# Weighted choices as flat lists: an index by a random float is the cheapest pick.
CHANNELS = ["email"] * 45 + ["portal"] * 15 + ["chat"] * 20 + ["phone"] * 10 + ["social"] * 5 + ["api"] * 5
PRIORITIES = ["low"] * 20 + ["normal"] * 55 + ["high"] * 20 + ["urgent"] * 5
TYPES = (
    ["question"] * 45
    + ["incident"] * 20
    + ["problem"] * 10
    + ["complaint"] * 10
    + ["feedback"] * 8
    + ["task"] * 7
)
SCORES = [5] * 45 + [4] * 25 + [3] * 12 + [2] * 8 + [1] * 10
# Rows are written as lines of COPY's text format (seeding.Seeder.insert_lines); JSON values as text.
N = "\\N"  # NULL
STATUS_JSON = {s: json.dumps(s) for s in Ticket.Status.values}
PRIORITY_JSON = {p: json.dumps(p) for p in SLA}
SOLVED = frozenset(Ticket.SOLVED)

TICKET_COLUMNS = [
    "id", "subject", "customer", "requester_email", "team", "assignee", "status", "priority", "channel",
    "direction", "type", "language", "customer_stage_at_open", "first_response_due_at", "resolution_due_at",
    "first_public_reply_at", "solved_at", "last_message_at", "merged_into", "is_spam", "created_at",
    "updated_at",
]  # fmt: skip
MESSAGE_COLUMNS = [
    "id", "ticket", "kind", "sender", "author", "body_html", "body_text", "channel", "external_message_id",
    "delivery_state", "created_at",
]  # fmt: skip
EVENT_COLUMNS = ["id", "ticket", "kind", "actor", "before", "after", "message", "occurred_at"]


class _Clock:
    """Epoch seconds -> timestamp text for COPY, through a per-day and a per-second table."""

    def __init__(self, start: datetime, end: datetime):
        self.base = int(start.timestamp()) // DAY
        days = int(end.timestamp()) // DAY - self.base + 60
        self.days = [
            (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(days=self.base + d)).strftime("%Y-%m-%d ")
            for d in range(days)
        ]
        self.seconds = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}+00:00" for s in range(DAY)]

    def __call__(self, t: float) -> str:
        i = int(t)
        return self.days[i // DAY - self.base] + self.seconds[i % DAY]


# seed_demo runs this step outside a transaction: it commits its own (see seed()).
MANAGES_TRANSACTIONS = True


def seed(seeder: Seeder) -> None:
    """Teams, policies, canned replies and tags, then the tickets with their history.

    Called outside a transaction on PostgreSQL (seed_demo), the setup commits first and the
    history is written by `seeder.workers` processes with the tables' secondary indexes dropped
    and built again afterwards (faster than keeping them up to date row by row). Inside a
    transaction (tests, other callers) everything is written in it, in this process.
    """
    with transaction.atomic():
        if Ticket.objects.exists():
            seeder.log("tickets: already seeded; nothing added")
            return
        teams = _teams(seeder)
        _sla_policies()
        _canned_replies(seeder)
        tags = [Tag.objects.get_or_create(name=name)[0].pk for name in TAGS]
    if not seeder.tickets:
        return
    if connection.in_atomic_block or seeder.workers < 2 or not _may_defer_row_checks():
        with transaction.atomic():
            _tickets(seeder, teams, tags)
        return
    _tickets(seeder, teams, tags, parallel=True)


def _teams(seeder: Seeder) -> dict[int, list[int]]:
    """Teams and their members: each agent in one or two teams, the demo `agent` in two."""
    rng = seeder.rng
    teams = [Team.objects.get_or_create(name=name)[0] for name in TEAMS]
    agents = seeder.ids.get("agents") or list(
        User.objects.filter(groups__name="agent").values_list("pk", flat=True)
    )
    demo = User.objects.filter(username="agent").values_list("pk", flat=True).first()
    members: dict[int, list[int]] = {t.pk: [] for t in teams}
    for i, agent_id in enumerate(agents):
        picked = teams[:2] if agent_id == demo else rng.sample(teams, 1 + (rng.random() < 0.4))
        if agent_id != demo:
            picked = [teams[i % len(teams)], *picked[1:]]
        for team in dict.fromkeys(picked):
            members[team.pk].append(agent_id)
    reviewers = list(User.objects.filter(groups__name=roles.QA_REVIEWER).values_list("pk", flat=True))
    for team in teams:
        team.members.add(*members[team.pk])
        team.qa_reviewers.add(*reviewers)
        if members[team.pk]:
            team.leads.add(members[team.pk][0])
    seeder.ids["teams"] = [t.pk for t in teams]
    return {k: v for k, v in members.items() if v}


def _sla_policies() -> None:
    for priority, (first, resolution) in SLA.items():
        SLAPolicy.objects.get_or_create(
            priority=priority, defaults={"first_response_minutes": first, "resolution_minutes": resolution}
        )


def _canned_replies(seeder: Seeder) -> None:
    admin = User.objects.filter(username="admin").first()
    for title, body, status, priority, tags in CANNED:
        CannedReply.objects.get_or_create(
            title=title,
            defaults={
                "body": body,
                "set_status": status,
                "set_priority": priority,
                "add_tags": tags,
                "created_by": admin,
            },
        )


class _Texts:
    """Per language: subjects, and bodies and replies as their html and text columns, made once
    (escaped for COPY's text format)."""

    def __init__(self):
        self.by_lang = {}
        for code, lang in LANGUAGES.items():
            self.by_lang[code] = (
                [copy_text(subject) for subject in lang.subjects],
                [_html_and_text(b) for b in lang.bodies],
                [_html_and_text(r) for r in lang.replies],
            )
        self.follow_up = _html_and_text(FOLLOW_UPS["en"])
        self.notes = [_html_and_text(n) for n in NOTES]
        self.ack = _html_and_text(SYSTEM_ACK)


def _html_and_text(text: str) -> str:
    return f"{copy_text(text_to_html(text))}\t{copy_text(text)}"


def _customers(seeder: Seeder) -> tuple[list[int], dict[int, str], dict[int, str]]:
    ids = seeder.ids.get("customers") or list(Customer.objects.order_by("pk").values_list("pk", flat=True))
    langs = dict(Customer.objects.values_list("pk", "preferred_language"))
    emails = dict(CustomerEmail.objects.filter(is_primary=True).values_list("customer", "address"))
    return ids, langs, emails


def _tickets(seeder: Seeder, teams: dict[int, list[int]], tags: list[int], *, parallel: bool = False) -> None:
    customers, langs, emails = _customers(seeder)
    if not customers:
        seeder.log("tickets: no customers to write in; none added")
        return
    gen = _Generator(seeder, teams, tags, customers, langs, emails)
    chunks = list(range((seeder.tickets + CHUNK - 1) // CHUNK))
    if parallel:
        # Each process commits its chunks; every reference is checked afterwards, set-based, and
        # the customers' last activity set, in the same processes as the index builds (they need
        # none of the indexes).
        with _without_secondary_indexes(HISTORY_TABLES, workers=seeder.workers, log=seeder.log) as load:
            started = time.monotonic()
            _chunks_in_processes(gen, chunks, min(seeder.workers, len(chunks)))
            seeder.log(f"tickets: history written in {time.monotonic() - started:.1f}s")
            load.alongside = [
                partial(_verify_references, gen.first_ids),
                partial(_customers_last_activity, gen.customers_latest),
            ]
    else:
        checked_later = _defer_row_checks()
        for index in chunks:
            gen.chunk(index)
            gen.merge_latest(gen.latest)
        search_documents_rebuild()  # what the services would have written message by message, set-based
        if checked_later:
            _verify_references(gen.first_ids)
        _customers_last_activity(gen.customers_latest)
    with transaction.atomic():
        for model in (Ticket, Message, TicketEvent, SatisfactionRating, TouchpointEvent, Ticket.tags.through):
            seeder.reset_sequence(model)
    seeder.log(
        f"tickets: {seeder.tickets} with {gen.counts['messages']} messages, {gen.counts['events']} events, "
        f"{gen.counts['ratings']} ratings in {len(teams)} teams"
    )


def _chunks_in_processes(gen: _Generator, chunks: list[int], workers: int) -> None:
    """Make and write the chunks in `workers` forked processes (seeding.in_processes).

    Each commits its chunks (tickets, messages, events, ratings, tags, touchpoints and the chunk's
    search documents) with the row checks deferred as the parent's are; the parent verifies every
    reference afterwards. Only on PostgreSQL with a role that may defer the checks: the parent's
    teams and tags are not committed yet.
    """
    for counts, latest in in_processes(partial(_forked_chunk, gen), chunks, workers):
        for key, value in counts.items():
            gen.counts[key] += value
        gen.merge_latest(latest)


def _forked_chunk(gen: _Generator, index: int) -> tuple[dict[str, int], dict[int, int]]:
    before = dict(gen.counts)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
    first, last = gen.chunk(index)
    search_documents_rebuild(first_id=first, last_id=last)
    return {key: gen.counts[key] - before[key] for key in gen.counts}, gen.latest


# The tables the ticket history fills, whose secondary indexes the parallel path builds afterwards.
HISTORY_TABLES = (
    TicketEvent,
    Message,
    Ticket,
    SearchDocument,
    TouchpointEvent,
    Ticket.tags.through,
    SatisfactionRating,
)


class _without_secondary_indexes:
    """Drop the tables' secondary indexes (helpdesk.db), and build them again on the way out (also
    after a failure), `workers` at a time, the largest tables' first."""

    def __init__(self, models: tuple, *, workers: int, log) -> None:
        self.tables = [model._meta.db_table for model in models]
        self.workers, self.log = workers, log

    def __enter__(self):
        self.definitions = [d for table in self.tables for d in drop_secondary_indexes([table])]
        # Work to run with the builds after a load that went well (callables run in the processes).
        self.alongside = []
        return self

    def __exit__(self, exc_type, *exc) -> None:
        started = time.monotonic()
        # The longest build (the search documents' GIN index) first, so that the rest fill in beside it.
        definitions = sorted(self.definitions, key=lambda d: " USING gin " not in d)
        jobs = [partial(_build_index, d) for d in definitions] + (self.alongside if exc_type is None else [])
        list(in_processes(lambda job: jobs[job](), range(len(jobs)), self.workers))
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {', '.join(self.tables)}")
        took = time.monotonic() - started
        self.log(f"tickets: {len(self.definitions)} indexes built after the load in {took:.1f}s")


def _build_index(definition: str) -> None:
    with connection.cursor() as cursor:
        # Enough memory to sort the largest table's keys without spilling to disk (the default is 64 MB).
        cursor.execute(f"SET LOCAL maintenance_work_mem = '{INDEX_BUILD_MEMORY}'")
    create_indexes([definition])


def _may_defer_row_checks() -> bool:
    """Whether _defer_row_checks would work (tried in a transaction of its own)."""
    with transaction.atomic():
        return _defer_row_checks()


def _defer_row_checks() -> bool:
    """On PostgreSQL, skip the per-row foreign-key triggers for this transaction (as pg_restore does)
    when the role may; the references are then verified set-based by _verify_references."""
    if connection.vendor != "postgresql":
        return False
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
    except DatabaseError:
        return False
    return True


REFERENCES = (
    (Ticket, ("customer", "team", "assignee")),
    (Message, ("ticket", "author")),
    (TicketEvent, ("ticket", "actor", "message")),
    (SatisfactionRating, ("ticket",)),
    (Ticket.tags.through, ("ticket", "tag")),
    (TouchpointEvent, ("customer",)),
)


def _verify_references(first_ids: dict) -> None:
    """Every foreign key of the rows just written points to a row (one anti-join per reference)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = origin")
        for model, names in REFERENCES:
            table, pk = model._meta.db_table, model._meta.pk.column
            for name in names:
                field = model._meta.get_field(name)
                parent, column = field.related_model._meta, field.column
                parent_pk = parent.pk.column
                cursor.execute(
                    f"SELECT 1 FROM {table} c LEFT JOIN {parent.db_table} p ON p.{parent_pk} = c.{column} "  # noqa: S608
                    f"WHERE c.{pk} >= %s AND c.{column} IS NOT NULL AND p.{parent_pk} IS NULL LIMIT 1",
                    [first_ids.get(model, 0)],
                )
                if cursor.fetchone():
                    raise IntegrityError(f"Seeded {table}.{column} points to a missing row.")


def _customers_last_activity(latest_tickets: dict[int, int]) -> None:
    """Customers who wrote in: last activity and latest input = their latest touchpoint (as
    touchpoint_record keeps them; no stage corrections are seeded).

    On PostgreSQL from `latest_tickets` (customer -> epoch seconds of their latest ticket): the
    later of it and their latest journey touchpoint, which the lifecycle step set as both.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE lifecycle_customer c SET last_activity_at = v.latest, last_input_at = v.latest"
                " FROM (SELECT u.id, GREATEST(c.last_activity_at, to_timestamp(u.t)) AS latest"
                "       FROM unnest(%s::bigint[], %s::bigint[]) AS u(id, t)"
                "       JOIN lifecycle_customer c ON c.id = u.id) AS v"
                " WHERE c.id = v.id",
                [list(latest_tickets), list(latest_tickets.values())],
            )
        return
    latest = (
        TouchpointEvent.objects.filter(customer=OuterRef("pk")).order_by("-occurred_at").values("occurred_at")
    )
    Customer.objects.filter(
        pk__in=TouchpointEvent.objects.filter(type="support_ticket").values("customer")
    ).update(last_activity_at=Subquery(latest[:1]), last_input_at=Subquery(latest[:1]))


class _Generator:
    """Makes the rows of CHUNK tickets at a time and writes them through seeder.insert_lines."""

    def __init__(self, seeder, teams, tags, customers, langs, emails):
        self.seeder, self.random = seeder, seeder.rng.random  # each chunk replaces it with its own
        self.teams = list(teams.items())
        self.tags = [(pk, name) for pk, name in zip(tags, TAGS, strict=True)]
        self.customers, self.langs, self.emails = customers, langs, emails
        self.timelines = getattr(seeder, "stage_timelines", None) or {}
        self.texts = _Texts()
        self.now = seeder.now.timestamp()
        self.start = seeder.start.timestamp()
        self.clock = _Clock(seeder.start, seeder.now)
        self.recorded = self.clock(self.now)
        self.first_ids = {
            Ticket: seeder.next_id(Ticket),
            Message: seeder.next_id(Message),
            TicketEvent: seeder.next_id(TicketEvent),
            SatisfactionRating: seeder.next_id(SatisfactionRating),
            TouchpointEvent: seeder.next_id(TouchpointEvent),
            Ticket.tags.through: seeder.next_id(Ticket.tags.through),
        }
        self.counts = {"messages": 0, "events": 0, "ratings": 0}
        # Each customer's latest ticket (epoch seconds): of the chunk being made, and of all.
        self.latest: dict[int, int] = {}
        self.customers_latest: dict[int, int] = {}
        # Creation times in id order (HD-1 is the oldest), busier towards now; the demo portal
        # customer gets the tickets nearest to 4, 8, ... 24 days ago.
        span, rng = self.now - self.start, seeder.rng
        self.times = sorted(self.start + span * rng.random() ** 0.8 for _ in range(seeder.tickets))
        self.portal = {
            min(seeder.tickets - 1, bisect_left(self.times, self.now - k * 4 * DAY)) for k in range(1, 7)
        }
        self.sla = {p: (f * MINUTE, r * MINUTE) for p, (f, r) in SLA.items()}
        self.message_after = {
            (k, s): json.dumps({"kind": k, "sender": s})
            for k in ("public", "note", "system")
            for s in ("agent", "customer", "system")
        }

    def chunk(self, index: int) -> tuple[int, int]:
        """Write chunk `index` of the tickets; returns its first and last ticket id.

        The event log (the largest table) streams to the database while the tickets are made;
        the other tables' rows are collected meanwhile and written after."""
        first, last = index * CHUNK, min(self.seeder.tickets, (index + 1) * CHUNK)
        self.random = random.Random(f"{self.seeder.seed}/tickets/{index}").random  # nosec B311  # demo data
        base = self.first_ids
        self.next = {
            "ticket": base[Ticket] + first,
            "message": base[Message] + index * CHUNK * MAX_MESSAGES,
            "event": base[TicketEvent] + index * CHUNK * MAX_EVENTS,
            "rating": base[SatisfactionRating] + index * CHUNK,
        }
        limits = {
            "message": self.next["message"] + CHUNK * MAX_MESSAGES,
            "event": self.next["event"] + CHUNK * MAX_EVENTS,
        }
        self.tickets, self.messages = [], []
        self.ratings, self.tag_rows, self.touchpoints = [], [], []
        self.latest = {}
        insert = self.seeder.insert_lines
        self.counts["events"] += insert(TicketEvent, EVENT_COLUMNS, self._stories(first, last))
        if any(self.next[kind] > limit for kind, limit in limits.items()):
            raise IntegrityError("A seeded story wrote more rows than MAX_MESSAGES or MAX_EVENTS allow.")
        insert(Ticket, TICKET_COLUMNS, self.tickets)
        insert(Message, MESSAGE_COLUMNS, self.messages)
        insert(SatisfactionRating, ["id", "ticket", "score", "comment", "created_at"], self.ratings)
        insert(Ticket.tags.through, ["ticket", "tag"], self.tag_rows)
        insert(
            TouchpointEvent,
            ["customer", "type", "occurred_at", "source", "idempotency_key", "data", "recorded_at"],
            self.touchpoints,
        )
        self.counts["messages"] += len(self.messages)
        self.counts["ratings"] += len(self.ratings)
        return base[Ticket] + first, base[Ticket] + last - 1

    def _stories(self, first: int, last: int):
        """Play each ticket's story, keep its row, and hand out its events."""
        for i in range(first, last):
            self.events = []
            self.tickets.append(_Story(self, i).play())
            yield from self.events

    def merge_latest(self, latest: dict[int, int]) -> None:
        mine = self.customers_latest
        for customer, t in latest.items():
            if t > mine.get(customer, 0):
                mine[customer] = t

    def take(self, kind: str) -> int:
        value = self.next[kind]
        self.next[kind] = value + 1
        return value

    def pick(self, options):
        return options[int(self.random() * len(options))]

    def stage_at(self, customer: int, t: float) -> str | None:
        """The customer's stage just before `t`, from the lifecycle step's stage timelines (if any)."""
        timeline = self.timelines.get(customer)
        if not timeline:
            return None
        index = bisect_left(timeline[0], t) - 1
        return timeline[1][index] if index >= 0 else None

    def due(self, priority: str, direction: str, t0: float) -> tuple[float | None, float]:
        first, resolution = self.sla[priority]
        return (t0 + first if direction == "inbound" else None), t0 + resolution


class _Story:
    """One ticket's life: opened, answered, maybe waiting on the customer, solved, maybe reopened,
    rated and closed, stopping wherever `now` is reached. Each step appends the rows a service
    would have written (the message, its MESSAGE event, the STATUS event...)."""

    def __init__(self, gen: _Generator, i: int):
        self.gen, self.random, fmt = gen, gen.random, gen.clock
        self.fmt = fmt
        self.tid = gen.take("ticket")
        portal = i in gen.portal
        self.customer = (
            gen.customers[0] if portal else gen.customers[int(self.random() ** 1.3 * len(gen.customers))]
        )
        lang = gen.langs.get(self.customer) or "en"
        self.lang = lang if lang in gen.texts.by_lang else "en"
        self.subjects, self.bodies, self.replies = gen.texts.by_lang[self.lang]
        self.t0 = gen.times[i]
        self.channel = "portal" if portal else gen.pick(CHANNELS)
        self.outbound = not portal and self.random() < 0.12
        self.spam = (
            not portal and not self.outbound and self.random() < 0.004 and self.t0 + 10 * MINUTE < gen.now
        )
        self.team, members = gen.pick(gen.teams)
        self.agent = gen.pick(members)
        self.assignee = self.agent if (self.outbound or self.random() < 0.7) else None
        self.priority = gen.pick(PRIORITIES)
        self.status = "pending" if self.outbound else "new"
        self.solved_at = self.first_reply = None
        self.last_message = self.updated = self.t0

    def event(self, kind: str, actor, before: str, after: str, t: float) -> None:
        """An event without a message; `before` and `after` as JSON text or N, `actor` an id or None."""
        actor = N if actor is None else actor
        event_id, stamp = self.gen.take("event"), self.fmt(t)
        self.gen.events.append(f"{event_id}\t{self.tid}\t{kind}\t{actor}\t{before}\t{after}\t{N}\t{stamp}\n")

    def message(self, kind: str, sender: str, author, text: str, t: float) -> None:
        """A message with its MESSAGE event; `text` its html and text columns (_Texts)."""
        gen = self.gen
        mid = gen.take("message")
        ext = f"<seed-{mid:012d}@helpdesk.localhost>" if self.channel == "email" and kind == "public" else ""
        delivery = "sent" if ext and sender == "agent" else ""
        stamp = self.fmt(t)
        author = N if author is None else author
        gen.messages.append(
            f"{mid}\t{self.tid}\t{kind}\t{sender}\t{author}\t{text}\t{self.channel}\t{ext}\t{delivery}\t{stamp}\n"
        )
        after = gen.message_after[(kind, sender)]
        gen.events.append(
            f"{gen.take('event')}\t{self.tid}\tmessage\t{author}\t{N}\t{after}\t{mid}\t{stamp}\n"
        )
        self.last_message = max(self.last_message, t)
        if self.first_reply is None and kind == "public" and sender == "agent":
            self.first_reply = t

    def reply(self, t: float) -> None:
        self.message("public", "agent", self.agent, self.gen.pick(self.replies), t)

    def customer_writes(self, t: float) -> None:
        """A follow-up from the customer; like ticket_customer_message it wakes pending/solved tickets."""
        self.message("public", "customer", None, self.gen.texts.follow_up, t)
        if self.status in ("pending", "solved"):
            self.move("open", None, t)

    def move(self, to: str, actor, t: float) -> None:
        before = self.status
        if to in SOLVED:
            if before not in SOLVED:
                self.solved_at = t
        else:
            self.solved_at = None
        self.status, self.updated = to, max(self.updated, t)
        self.event("status", actor, STATUS_JSON[before], STATUS_JSON[to], t)

    def play(self) -> str:
        self.open()
        if self.spam:
            self.updated = self.t0 + 10 * MINUTE
            self.event("spam", self.agent, "false", "true", self.updated)
        else:
            t = self.answer(self.t0)
            t = t and self.wait_for_customer(t)
            t = t and self.resolve(t)
        return self.rows()

    def open(self) -> None:
        gen, random = self.gen, self.random
        tags = sorted({gen.pick(gen.tags) for _ in range((random() < 0.6) + (random() < 0.15))})
        self.tag_ids = [pk for pk, _ in tags]
        final_priority = self.priority
        if random() < 0.06:
            self.priority = "normal" if final_priority != "normal" else "low"
        self.type = gen.pick(TYPES)
        created = (
            f'{{"status": "{self.status}", "priority": "{self.priority}", "channel": "{self.channel}", '
            f'"direction": "{"outbound" if self.outbound else "inbound"}", "team": {self.team}, '
            f'"assignee": {"null" if self.assignee is None else self.assignee}, "type": "{self.type}", '
            f'"tags": {_names_json(tuple(name for _, name in tags))}}}'
        )
        self.event("created", self.agent if self.outbound else None, N, created, self.t0)
        if self.outbound:
            self.reply(self.t0)
        else:
            self.message("public", "customer", None, gen.pick(self.bodies), self.t0)
            if self.channel == "email" and random() < 0.5:
                self.message("system", "system", None, gen.texts.ack, self.t0 + 1)
        if final_priority != self.priority:
            self.reprioritise(final_priority, self.t0 + 2 + random() * MINUTE)

    def reprioritise(self, priority: str, t: float) -> None:
        direction = "outbound" if self.outbound else "inbound"
        before = _due_json(*self.gen.due(self.priority, direction, self.t0))
        after = _due_json(*self.gen.due(priority, direction, self.t0))
        self.event("priority", self.agent, PRIORITY_JSON[self.priority], PRIORITY_JSON[priority], t)
        self.event("sla", self.agent, before, after, t)
        self.priority = priority

    def answer(self, t: float) -> float | None:
        """The agent's first answer (an outbound ticket first waits for the customer)."""
        random, now = self.random, self.gen.now
        if self.outbound:
            t += HOUR * (1 + 48 * random())
            if t >= now:
                return None
            self.customer_writes(t)
        t += MINUTE * (5 + 600 * random() ** 2) * (3 if self.priority == "low" else 1)
        if t >= now or random() < 0.02:
            return None
        if self.assignee is None:
            self.assignee = self.agent
            self.event("assignee", self.agent, N, self.agent, t)
        if random() < 0.35:
            self.message("note", "agent", self.agent, self.gen.pick(self.gen.texts.notes), t)
        self.reply(t + 1)
        if self.status == "new":
            self.move("open", self.agent, t + 1)
        return t + 1

    def wait_for_customer(self, t: float) -> float | None:
        random, now = self.random, self.gen.now
        if random() >= 0.45:
            return t
        self.move("pending", self.agent, t + 1)
        t += HOUR * (2 + 40 * random())
        if t >= now:
            return None
        self.customer_writes(t)
        t += MINUTE * (10 + 300 * random())
        if t >= now:
            return None
        self.reply(t)
        return t

    def resolve(self, t: float) -> float | None:
        random, now = self.random, self.gen.now
        t += HOUR * (1 + 30 * random())
        if random() < 0.04 and t < now:
            self.move("on_hold", self.agent, t)
            t += DAY * (1 + 5 * random())
        if t >= now:
            return None
        self.move("solved", self.agent, t)
        if random() < 0.1:  # reopened by the customer, answered, solved again
            t += HOUR * (3 + 72 * random())
            if t >= now:
                return None
            self.customer_writes(t)
            t += HOUR * (1 + 8 * random())
            if t >= now:
                return None
            self.reply(t)
            self.move("solved", self.agent, t + 1)
        if random() < 0.3:
            self.rate(t + HOUR * (2 + 70 * random()))
        if t + 4 * DAY < now:
            self.move("closed", None, t + 4 * DAY)
        return t

    def rate(self, t: float) -> None:
        if t >= self.gen.now:
            return
        score = self.gen.pick(SCORES)
        self.gen.ratings.append(f"{self.gen.take('rating')}\t{self.tid}\t{score}\t\t{self.fmt(t)}\n")
        self.event("rated", None, N, score, t)

    def rows(self) -> str:
        """The ticket's own row; its tags and touchpoint go to the generator's lists."""
        gen, fmt, tid = self.gen, self.fmt, self.tid
        direction = "outbound" if self.outbound else "inbound"
        first_due, resolution_due = gen.due(self.priority, direction, self.t0)
        subject = gen.pick(self.subjects).replace("{n}", str(100000 + tid))
        gen.tag_rows.extend(f"{tid}\t{tag}\n" for tag in self.tag_ids)
        t0 = fmt(self.t0)
        gen.latest[self.customer] = int(self.t0)  # tickets come in time order: the latest is the last
        gen.touchpoints.append(
            f"{self.customer}\tsupport_ticket\t{t0}\thelpdesk\tticket:{tid}\t"
            f'{{"ticket": {tid}, "channel": "{self.channel}", "direction": "{direction}"}}\t{gen.recorded}\n'
        )
        assignee = N if self.assignee is None else self.assignee
        stage = gen.stage_at(self.customer, self.t0) or N
        email = gen.emails.get(self.customer, "")
        return (
            f"{tid}\t{subject}\t{self.customer}\t{email}\t{self.team}\t{assignee}\t"
            f"{self.status}\t{self.priority}\t{self.channel}\t{direction}\t{self.type}\t{self.lang}\t{stage}\t"
            f"{N if first_due is None else fmt(first_due)}\t{fmt(resolution_due)}\t"
            f"{N if self.first_reply is None else fmt(self.first_reply)}\t"
            f"{N if self.solved_at is None else fmt(self.solved_at)}\t{fmt(self.last_message)}\t{N}\t"
            f"{'t' if self.spam else 'f'}\t{t0}\t{fmt(max(self.updated, self.last_message))}\n"
        )


@cache
def _names_json(names: tuple[str, ...]) -> str:
    return json.dumps(list(names))


def _due_json(first: float | None, resolution: float) -> str:
    """A ticket's SLA targets as the SLA event's JSON (ISO times, as the services record them)."""
    first_iso = "null" if first is None else f'"{_iso(first)}"'
    return f'{{"first_response_due_at": {first_iso}, "resolution_due_at": "{_iso(resolution)}"}}'


def _iso(t: float) -> str:
    return datetime.fromtimestamp(int(t), UTC).isoformat()
