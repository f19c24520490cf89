"""The lifecycle rules as data and one pure function (no database), so that recording an event,
replaying a customer's history after a late event, the periodic churn rule and demo seeding all
move customers in exactly the same way.

The rules (shared/LIFECYCLE.md):

- an event moves a customer forward to the stage in EVENT_STAGE (never backwards);
- a purchase (purchase, subscription started, renewal) converts; a repeat purchase or a renewal
  retains; the `purchases_for_loyalty`-th purchase (all time) makes the customer loyal;
- an NPS answer at or above the promoter score, or a referral, makes a *paying* customer loyal;
- a converted customer with any activity `retention_window_days` or more after converting is
  retained;
- a cancellation or a refund-and-leave churns the customer from any stage;
- a churned customer who buys again is won back into conversion (and nothing else moves them);
- a paying customer inactive for longer than `churn_inactivity_days` churns at the moment the
  window ran out (cause: rule) - whether we notice it at their next event or in the periodic task;
- a person's correction sets the stage at its own time.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal

from .models import FORWARD_STAGES, PAYING_STAGES, Stage, TouchpointEvent

T = TouchpointEvent.Type

# Event type -> the stage it moves a customer forward into (purchases and loyalty signals below).
EVENT_STAGE: dict[str, str] = {
    T.VISITED: Stage.REACH,
    T.SUBSCRIBED: Stage.REACH,
    T.CAMPAIGN_CLICK: Stage.REACH,
    T.SIGNED_UP: Stage.ACQUISITION,
    T.TRIAL_STARTED: Stage.ACQUISITION,
    T.LEAD_CREATED: Stage.ACQUISITION,
    T.PRESALES_QUESTION: Stage.ACQUISITION,
    T.REFERRAL: Stage.LOYALTY,
}
PURCHASE_TYPES = frozenset({T.PURCHASE, T.SUBSCRIPTION_STARTED, T.RENEWAL})
CHURN_TYPES = frozenset({T.CANCELLED, T.REFUND})
# Loyalty signals count only for customers who already pay: a referral from a mere visitor
# does not make them a paying, loyal customer.
PAYING_ONLY_TYPES = frozenset({T.REFERRAL, T.NPS})
ORDER = {stage: index for index, stage in enumerate(FORWARD_STAGES)}


@dataclass(frozen=True)
class Thresholds:
    retention_window_days: int = 90
    purchases_for_loyalty: int = 5
    nps_promoter_score: int = 9
    churn_inactivity_days: int = 180

    @property
    def churn_window(self) -> timedelta:
        return timedelta(days=self.churn_inactivity_days)

    @property
    def retention_window(self) -> timedelta:
        return timedelta(days=self.retention_window_days)


@dataclass(frozen=True)
class State:
    """What the rules need to know about a customer just before an input."""

    stage: str | None = None
    stage_since: datetime | None = None
    purchases: int = 0
    last_activity: datetime | None = None


@dataclass(frozen=True)
class Move:
    """One stage change the rules decided: the StageChange row to write, minus its ids."""

    from_stage: str | None
    to_stage: str
    occurred_at: datetime
    cause: str  # StageChange.Cause value
    reason: str
    event_id: int | None = None
    correction_id: int | None = None
    actor_id: int | None = None


@dataclass(frozen=True)
class EventInput:
    id: int | None
    type: str
    occurred_at: datetime
    value: Decimal | None = None
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class CorrectionInput:
    id: int | None
    to_stage: str
    occurred_at: datetime
    reason: str
    actor_id: int | None = None


def inactivity_deadline(state: State, thresholds: Thresholds) -> datetime | None:
    """When a paying customer churns for inactivity if nothing happens before (None: never)."""
    if state.stage not in PAYING_STAGES:
        return None
    anchors = [t for t in (state.last_activity, state.stage_since) if t is not None]
    return max(anchors) + thresholds.churn_window if anchors else None


def churn_if_inactive(state: State, until: datetime, thresholds: Thresholds) -> tuple[State, list[Move]]:
    """The inactivity churn, if the window ran out strictly before `until`."""
    deadline = inactivity_deadline(state, thresholds)
    if deadline is None or deadline >= until:
        return state, []
    move = Move(
        from_stage=state.stage,
        to_stage=Stage.CHURNED,
        occurred_at=deadline,
        cause="rule",
        reason=f"No activity for {thresholds.churn_inactivity_days} days",
    )
    return replace(state, stage=Stage.CHURNED, stage_since=deadline), [move]


def apply_event(state: State, event: EventInput, thresholds: Thresholds) -> tuple[State, list[Move]]:
    """The stage moves one event causes, with the state after it."""
    state, moves = churn_if_inactive(state, event.occurred_at, thresholds)
    purchases = state.purchases + (1 if event.type in PURCHASE_TYPES else 0)
    target, reason = _target(state, event, purchases, thresholds)
    after = replace(
        state,
        purchases=purchases,
        last_activity=max(t for t in (state.last_activity, event.occurred_at) if t is not None),
    )
    if target is None or target == state.stage:
        return after, moves
    move = Move(
        from_stage=state.stage,
        to_stage=target,
        occurred_at=event.occurred_at,
        cause="event",
        reason=reason,
        event_id=event.id,
    )
    return replace(after, stage=target, stage_since=event.occurred_at), [*moves, move]


def apply_correction(
    state: State, correction: CorrectionInput, thresholds: Thresholds
) -> tuple[State, list[Move]]:
    """A person's correction; an inactivity churn that fell due before it still happened first."""
    state, moves = churn_if_inactive(state, correction.occurred_at, thresholds)
    if correction.to_stage == state.stage:
        return state, moves
    move = Move(
        from_stage=state.stage,
        to_stage=correction.to_stage,
        occurred_at=correction.occurred_at,
        cause="person",
        reason=correction.reason,
        correction_id=correction.id,
        actor_id=correction.actor_id,
    )
    return replace(state, stage=correction.to_stage, stage_since=correction.occurred_at), [*moves, move]


def run(
    state: State,
    inputs: list[EventInput | CorrectionInput],
    thresholds: Thresholds,
    now: datetime,
) -> tuple[State, list[Move]]:
    """Apply `inputs` (already in processing order) and then the inactivity rule up to `now`."""
    moves: list[Move] = []
    for item in inputs:
        if isinstance(item, CorrectionInput):
            state, new = apply_correction(state, item, thresholds)
        else:
            state, new = apply_event(state, item, thresholds)
        moves.extend(new)
    state, new = churn_if_inactive(state, now, thresholds)
    return state, [*moves, *new]


def _target(
    state: State, event: EventInput, purchases: int, thresholds: Thresholds
) -> tuple[str | None, str]:
    label = TouchpointEvent.Type(event.type).label if event.type in T.values else event.type
    if event.type in CHURN_TYPES:
        return Stage.CHURNED, label
    if state.stage == Stage.CHURNED:
        if event.type in PURCHASE_TYPES:
            return Stage.CONVERSION, f"Won back: {label.lower()}"
        return None, ""
    candidates: list[tuple[str, str]] = []
    if event.type in PURCHASE_TYPES:
        candidates.append(_purchase_stage(event, purchases, thresholds, label))
    elif event.type == T.SUPPORT_TICKET and state.stage is None:
        candidates.append((Stage.REACH, "First contact"))
    elif event.type == T.NPS and state.stage in PAYING_STAGES:
        score = nps_score(event)
        if score is not None and score >= thresholds.nps_promoter_score:
            candidates.append((Stage.LOYALTY, f"NPS promoter ({score})"))
    elif event.type in EVENT_STAGE and (event.type not in PAYING_ONLY_TYPES or state.stage in PAYING_STAGES):
        candidates.append((EVENT_STAGE[event.type], label))
    if (
        state.stage == Stage.CONVERSION
        and state.stage_since is not None
        and event.occurred_at - state.stage_since >= thresholds.retention_window
    ):
        candidates.append(
            (Stage.RETENTION, f"Still active {thresholds.retention_window_days} days after converting")
        )
    return _furthest(state.stage, candidates)


def _purchase_stage(event: EventInput, purchases: int, thresholds: Thresholds, label: str) -> tuple[str, str]:
    if purchases >= thresholds.purchases_for_loyalty:
        return Stage.LOYALTY, f"{purchases} purchases"
    if purchases >= 2 or event.type == T.RENEWAL:
        return Stage.RETENTION, f"Repeat purchase: {label.lower()}"
    return Stage.CONVERSION, f"First purchase: {label.lower()}"


def _furthest(current: str | None, candidates: list[tuple[str, str]]) -> tuple[str | None, str]:
    """The furthest candidate beyond `current`, or None: stages only move forward."""
    best: tuple[str | None, str] = (None, "")
    rank = ORDER.get(current, -1) if current is not None else -1
    for stage, reason in candidates:
        if ORDER[stage] > rank:
            best, rank = (stage, reason), ORDER[stage]
    return best


def nps_score(event: EventInput) -> int | None:
    raw = event.value if event.value is not None else (event.data or {}).get("score")
    try:
        score = int(Decimal(str(raw)))
    except (ArithmeticError, ValueError, TypeError):
        return None
    return score if 0 <= score <= 10 else None
