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

from . import Seeder
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


def seed(seeder: Seeder) -> None:
    orgs = [
        Organization.objects.get_or_create(name=name, defaults={"domain": _domain(name)})[0].pk
        for name in ORGANIZATIONS
    ]
    thresholds = rules.Thresholds()
    first_id = seeder.next_id(Customer)
    event_id = seeder.next_id(TouchpointEvent)
    rng = seeder.rng
    customers, emails, events, changes, surveys = [], [], [], [], []
    timelines: dict[int, list[tuple[datetime, str]]] = {}
    for i in range(seeder.customers):
        pk = first_id + i
        lang = seeder.language()
        names = LANGUAGES[lang]
        name = f"{rng.choice(names.first_names)} {rng.choice(names.last_names)}"
        created = seeder.random_instant()
        org = rng.choice(orgs) if rng.random() < 0.3 else None
        user_id = seeder.ids["portal_user"][0] if i == 0 else None
        if i == 0:
            name, lang, created = "Carmen Customer", "en", seeder.start + timedelta(days=30)
        journey = _journey(rng, created, seeder.now, loyal=i == 0)
        inputs = []
        for at, type_, value in journey:
            inputs.append(rules.EventInput(id=event_id, type=type_, occurred_at=at, value=value))
            events.append((event_id, pk, type_, at, SOURCES.get(type_, "web"), value, {}, "", at))
            event_id += 1
        final, moves = rules.run(rules.State(), inputs, thresholds, seeder.now)
        for move in moves:
            changes.append(
                (
                    pk,
                    move.from_stage,
                    move.to_stage,
                    move.occurred_at,
                    move.occurred_at,
                    move.cause,
                    move.reason,
                    move.event_id,
                )
            )
        timelines[pk] = [(move.occurred_at, move.to_stage) for move in moves]
        if final.stage == Stage.CHURNED and final.stage_since > seeder.now - timedelta(days=60):
            surveys.append(_survey(rng, pk, final.stage_since, seeder.now))
        consent = rng.random() < 0.4
        # No corrections are seeded: the latest input is the latest event.
        state = (final.stage, final.stage_since, final.last_activity, final.last_activity, final.purchases)
        customers.append((pk, name, org, lang, "", *state, 0.0, [], consent, user_id, created, created))
        emails.append((pk, "customer@example.com" if i == 0 else f"customer{pk}@example.com", True, created))
    _write(seeder, customers, emails, events, changes, surveys)
    seeder.ids["customers"] = list(range(first_id, first_id + seeder.customers))
    seeder.stage_timelines = timelines
    seeder.log(
        f"customers: {seeder.customers} in {len(orgs)} organizations, "
        f"{len(events)} touchpoints, {len(changes)} stage changes, {len(surveys)} exit surveys"
    )


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
    for model in (Customer, CustomerEmail, TouchpointEvent, StageChange, ExitSurvey):
        seeder.reset_sequence(model)


def _domain(name: str) -> str:
    return name.lower().replace(" ", "") + ".example"
