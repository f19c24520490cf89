"""Demo organizations and customers, with touchpoints and a stage history that obey the rules.

Each customer gets a journey over the two years (first visit, maybe a sign-up, purchases,
NPS answers, referrals, a cancellation, a win-back); the lifecycle rules themselves
(lifecycle.rules.run) turn it into stage changes, so the seeded history is exactly what the
services would have recorded, including churn for inactivity. Everything is written in bulk.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, connection, transaction

from lifecycle import rules
from lifecycle.models import (
    Customer,
    CustomerEmail,
    ExitSurvey,
    Organization,
    Stage,
    StageChange,
    TouchpointEvent,
)

from . import Seeder, in_processes
from .texts import LANGUAGES

ORGANIZATIONS = (
    "Acme Ltd",
    "Globex",
    "Initech",
    "Umbrella Co",
    "Hooli",
    "Stark Industries",
    "Wayne Enterprises",
    "Soylent",
    "Tyrell",
    "Cyberdyne",
)
FIRST_TOUCH = ("visited", "visited", "subscribed", "campaign_click")
ENGAGE = ("signed_up", "signed_up", "trial_started", "lead_created", "presales_question")
SURVEY_COMMENTS = (
    "Found a cheaper plan elsewhere.",
    "The export feature I needed never came.",
    "Support took too long to answer.",
    "",
    "We closed the project that used it.",
)
SOURCES = {"purchase": "shop", "renewal": "billing", "subscription_started": "billing", "nps": "survey"}


CHUNK = 10_000
# Each chunk of customers has its own random stream and its own block of touchpoint ids, sized by
# the longest journey _journey can make, so that chunks can be made in any order or at once in
# several processes with the same result (unused ids are gaps, as rollbacks leave in any sequence).
MAX_EVENTS = 16

# A customer's stage changes as (times in epoch seconds, the stage entered at each), for the ticket
# step (the stage a customer was in when a ticket was opened).
Timeline = tuple[tuple[float, ...], tuple[str, ...]]

# seed_demo runs this step outside a transaction: it commits its own (see seed()).
MANAGES_TRANSACTIONS = True


def seed(seeder: Seeder) -> None:
    """Organizations, then the customers CHUNK at a time: in `seeder.workers` processes on
    PostgreSQL outside a transaction, else here in one transaction (tests, SQLite)."""
    with transaction.atomic():
        orgs = [
            Organization.objects.get_or_create(name=name, defaults={"domain": _domain(name)})[0].pk
            for name in ORGANIZATIONS
        ]
        maker = _Customers(seeder, orgs)
    chunks = list(range((seeder.customers + CHUNK - 1) // CHUNK))
    parallel = (
        connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and min(seeder.workers, len(chunks)) > 1
    )
    with transaction.atomic():
        if parallel:
            results = list(in_processes(maker.chunk, chunks, min(seeder.workers, len(chunks))))
        else:
            results = [maker.chunk(index) for index in chunks]
        for model in (Customer, CustomerEmail, TouchpointEvent, StageChange, ExitSurvey):
            seeder.reset_sequence(model)
    counts = {"events": 0, "changes": 0, "surveys": 0}
    timelines: dict[int, Timeline] = {}
    for chunk_counts, chunk_timelines in results:
        timelines.update(chunk_timelines)
        for key, value in chunk_counts.items():
            counts[key] += value
    seeder.ids["customers"] = list(range(maker.first_id, maker.first_id + seeder.customers))
    seeder.stage_timelines = timelines
    seeder.log(
        f"customers: {seeder.customers} in {len(orgs)} organizations, "
        f"{counts['events']} touchpoints, {counts['changes']} stage changes, {counts['surveys']} exit surveys"
    )


class _Customers:
    """Makes and writes the customers of one chunk, with their emails, journeys (touchpoints), the
    stage changes the rules give and exit surveys; returns its counts and stage timelines."""

    def __init__(self, seeder: Seeder, orgs: list[int]):
        self.seeder, self.orgs = seeder, orgs
        self.thresholds = rules.Thresholds()
        self.first_id = seeder.next_id(Customer)
        self.first_event_id = seeder.next_id(TouchpointEvent)

    def chunk(self, index: int) -> tuple[dict[str, int], dict[int, Timeline]]:
        rng = random.Random(f"{self.seeder.seed}/customers/{index}")  # nosec B311  # seeded demo data
        event_id = self.first_event_id + index * CHUNK * MAX_EVENTS
        last_event_id = event_id + CHUNK * MAX_EVENTS
        self.rows = {"customers": [], "emails": [], "events": [], "changes": [], "surveys": []}
        self.timelines: dict[int, Timeline] = {}
        for i in range(index * CHUNK, min(self.seeder.customers, (index + 1) * CHUNK)):
            event_id = self.customer(rng, i, event_id)
        if event_id > last_event_id:
            raise IntegrityError("A seeded journey made more touchpoints than MAX_EVENTS allows.")
        _write(self.seeder, **self.rows)
        counts = {key: len(self.rows[key]) for key in ("events", "changes", "surveys")}
        return counts, self.timelines

    def customer(self, rng: random.Random, i: int, event_id: int) -> int:
        """Customer `i`'s rows, its touchpoints from `event_id` on; returns the next free event id."""
        seeder, rows, pk = self.seeder, self.rows, self.first_id + i
        lang = seeder.language(rng)
        names = LANGUAGES[lang]
        name = f"{rng.choice(names.first_names)} {rng.choice(names.last_names)}"
        created = seeder.random_instant(rng)
        org = rng.choice(self.orgs) if rng.random() < 0.3 else None
        user_id = seeder.ids["portal_user"][0] if i == 0 else None
        if i == 0:
            name, lang, created = "Carmen Customer", "en", seeder.start + timedelta(days=30)
        inputs = []
        for at, type_, value in _journey(rng, created, seeder.now, loyal=i == 0):
            inputs.append(rules.EventInput(id=event_id, type=type_, occurred_at=at, value=value))
            rows["events"].append((event_id, pk, type_, at, SOURCES.get(type_, "web"), value, {}, "", at))
            event_id += 1
        final, moves = rules.run(rules.State(), inputs, self.thresholds, seeder.now)
        rows["changes"].extend(
            (pk, m.from_stage, m.to_stage, m.occurred_at, m.occurred_at, m.cause, m.reason, m.event_id)
            for m in moves
        )
        # As epoch seconds and stages: compact to hand back from a worker process.
        times = tuple(move.occurred_at.timestamp() for move in moves)
        self.timelines[pk] = (times, tuple(move.to_stage for move in moves))
        if final.stage == Stage.CHURNED and final.stage_since > seeder.now - timedelta(days=60):
            rows["surveys"].append(_survey(rng, pk, final.stage_since, seeder.now))
        consent = rng.random() < 0.4
        # No corrections are seeded: the latest input is the latest event.
        state = (final.stage, final.stage_since, final.last_activity, final.last_activity, final.purchases)
        customer = (pk, name, org, lang, "", *state, 0.0, [], consent, user_id, created, created)
        rows["customers"].append(customer)
        address = "customer@example.com" if i == 0 else f"customer{pk}@example.com"
        rows["emails"].append((pk, address, True, created))
        return event_id


def _journey(rng: random.Random, created: datetime, now: datetime, loyal: bool) -> list[tuple]:
    """A plausible sequence of (time, type, value) from `created`, cut at `now`."""
    t = created
    steps: list[tuple] = [(t, rng.choice(FIRST_TOUCH), None)]
    if loyal or rng.random() < 0.65:
        t += _days(rng, 8)
        steps.append((t, rng.choice(ENGAGE), None))
        if loyal or rng.random() < 0.55:
            t = _purchases(rng, steps, t, now, loyal)
            t = _feedback(rng, steps, t)
            if not loyal and rng.random() < 0.14:
                t += _days(rng, 40)
                steps.append((t, rng.choice(("cancelled", "cancelled", "refund")), None))
                if rng.random() < 0.2:
                    t += _days(rng, 60)
                    steps.append((t, "purchase", _amount(rng)))
    elif rng.random() < 0.3:
        steps.append((t + _days(rng, 20), "visited", None))
    return sorted((step for step in steps if step[0] <= now), key=lambda step: step[0])


def _purchases(rng: random.Random, steps: list, t: datetime, now: datetime, loyal: bool) -> datetime:
    t += _days(rng, 12)
    steps.append((t, rng.choice(("purchase", "purchase", "subscription_started")), _amount(rng)))
    repeats = rng.choice((0, 0, 1, 1, 2, 3, 4, 6)) if not loyal else 6
    for _ in range(repeats):
        t += _days(rng, 60)
        steps.append((t, rng.choice(("purchase", "renewal")), _amount(rng)))
    if loyal or rng.random() < 0.55:
        # Still around: a recent visit keeps them from churning (and retains them).
        steps.append((max(t, now - _days(rng, 45)), "visited", None))
    return t


def _feedback(rng: random.Random, steps: list, t: datetime) -> datetime:
    if rng.random() < 0.25:
        t += _days(rng, 20)
        steps.append((t, "nps", Decimal(rng.choice((3, 6, 7, 8, 9, 9, 10, 10)))))
    if rng.random() < 0.05:
        t += _days(rng, 20)
        steps.append((t, "referral", None))
    return t


def _days(rng: random.Random, mean: float) -> timedelta:
    return timedelta(seconds=rng.expovariate(1 / (mean * 86400)) + 3600)


def _amount(rng: random.Random) -> Decimal:
    return (
        Decimal(rng.choice((9, 19, 29, 49, 99, 149, 299))) + Decimal("0.99")
        if rng.random() < 0.7
        else Decimal(rng.randint(10, 500))
    )


def _survey(rng: random.Random, pk: int, churned_at: datetime, now: datetime) -> tuple:
    expires = now + timedelta(days=30)
    if rng.random() < 0.45:
        answered = min(now, churned_at + timedelta(hours=rng.randint(1, 72)))
        reason = rng.choice(ExitSurvey.Reason.values)
        return (
            pk,
            churned_at,
            churned_at,
            expires,
            churned_at,
            answered,
            reason,
            rng.choice(SURVEY_COMMENTS),
        )
    return (pk, churned_at, churned_at, expires, churned_at, None, "", "")


def _write(seeder: Seeder, customers, emails, events, changes, surveys) -> None:
    seeder.insert(
        Customer,
        [
            "id",
            "display_name",
            "organization",
            "preferred_language",
            "time_zone",
            "stage",
            "stage_since",
            "last_activity_at",
            "last_input_at",
            "purchase_count",
            "churn_risk_score",
            "churn_risk_reasons",
            "marketing_consent",
            "user",
            "created_at",
            "updated_at",
        ],
        customers,
    )
    seeder.insert(CustomerEmail, ["customer", "address", "is_primary", "created_at"], emails)
    seeder.insert(
        TouchpointEvent,
        [
            "id",
            "customer",
            "type",
            "occurred_at",
            "source",
            "value",
            "data",
            "idempotency_key",
            "recorded_at",
        ],
        events,
    )
    seeder.insert(
        StageChange,
        ["customer", "from_stage", "to_stage", "occurred_at", "recorded_at", "cause", "reason", "event"],
        changes,
    )
    seeder.insert(
        ExitSurvey,
        [
            "customer",
            "churned_at",
            "created_at",
            "expires_at",
            "email_queued_at",
            "answered_at",
            "reason",
            "comment",
        ],
        surveys,
    )


def _domain(name: str) -> str:
    return name.lower().replace(" ", "") + ".example"
