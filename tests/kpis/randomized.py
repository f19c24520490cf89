"""Randomized raw histories for the KPI property tests (drawn with hypothesis)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from helpdesk.roles import AGENT
from lifecycle.models import StageChange
from tests.factories import CustomerFactory, staff_user
from tickets.models import Team

from . import builders

ZONE = "America/New_York"
# Two weeks around the spring DST change (2024-03-10 02:00 local: a 23-hour day).
BASE = datetime(2024, 3, 6, tzinfo=ZoneInfo(ZONE)).astimezone(UTC)
SPAN_DAYS = 12
STATUSES = ["new", "open", "pending", "on_hold", "solved", "closed"]
STAGES = ["reach", "acquisition", "conversion", "retention", "loyalty", "churned"]


def instant(data) -> datetime:
    """A time in the window; often exactly a local midnight or just before one."""
    kind = data.draw(st.sampled_from(["any", "any", "midnight", "before_midnight"]))
    day = data.draw(st.integers(0, SPAN_DAYS))
    local_midnight = (BASE.astimezone(ZoneInfo(ZONE)) + timedelta(days=day)).replace(hour=0, minute=0)
    midnight = local_midnight.replace(tzinfo=ZoneInfo(ZONE)).astimezone(UTC)
    if kind == "midnight":
        return midnight
    if kind == "before_midnight":
        return midnight - timedelta(microseconds=data.draw(st.integers(1, 1000)))
    return midnight + timedelta(microseconds=data.draw(st.integers(0, 26 * 3600 * 10**6)))


class World:
    """The people and teams a history refers to, created once per example."""

    def __init__(self):
        self.customers = [CustomerFactory() for _ in range(3)]
        self.agents = [staff_user(AGENT) for _ in range(2)]
        self.teams = [Team.objects.create(name=f"Team {i} {id(self)}") for i in range(2)]
        self.tickets = []
        self.changes = {c.pk: [] for c in self.customers}


def draw_ops(data, world: World) -> list:
    """A list of closures that write one raw row (or two) each, in the order they are recorded."""
    n_tickets = data.draw(st.integers(1, 7), label="tickets")
    n_actions = data.draw(st.integers(0, 22), label="actions")
    n_stage = data.draw(st.integers(0, 8), label="stage ops")
    kinds = ["ticket"] * (n_tickets - 1) + ["action"] * n_actions + ["stage"] * n_stage
    # The first op creates a ticket so that actions have something to act on.
    order = ["ticket", *data.draw(st.permutations(kinds))]
    ops, made = [], 0
    for kind in order:
        if kind == "ticket":
            ops.append(_ticket_op(data, world))
            made += 1
        elif kind == "action":
            ops.append(_action_op(data, world, made))
        else:
            ops.append(_stage_op(data, world))
    return ops


def _opt(data, values):
    return data.draw(st.sampled_from([None, *values]))


def _ticket_op(data, world):
    params = {
        "customer": data.draw(st.sampled_from(world.customers)),
        "created_at": instant(data),
        "status": data.draw(st.sampled_from(["new", "new", "open", "solved", "closed", "pending"])),
        "direction": data.draw(st.sampled_from(["inbound", "inbound", "outbound"])),
        "channel": data.draw(st.sampled_from(["email", "chat", "phone"])),
        "priority": data.draw(st.sampled_from(["normal", "high"])),
        "type": data.draw(st.sampled_from(["question", "complaint"])),
        "team": _opt(data, world.teams),
        "assignee": _opt(data, world.agents),
        "stage": _opt(data, STAGES),
        "first_response_due_at": _opt(data, [instant(data)]),
        "resolution_due_at": _opt(data, [instant(data)]),
    }

    def op():
        world.tickets.append(builders.ticket(**params))

    return op


def _action_op(data, world, made: int):
    index = data.draw(st.integers(0, max(made - 1, 0)))
    at = instant(data)
    kind = data.draw(
        st.sampled_from(
            [
                "status",
                "status",
                "status",
                "message",
                "message",
                "message",
                "rate",
                "change",
                "merge",
                "spam",
                "sla",
            ]
        )
    )
    detail = {
        "status": lambda: data.draw(st.sampled_from(STATUSES)),
        "message": lambda: (
            data.draw(st.sampled_from(["public", "public", "note", "system"])),
            data.draw(st.sampled_from(["agent", "agent", "customer", "system"])),
            data.draw(st.integers(0, 1)),
        ),
        "rate": lambda: data.draw(st.integers(1, 5)),
        "change": lambda: data.draw(st.sampled_from(["team", "assignee", "priority", "type"])),
        "merge": lambda: data.draw(st.integers(0, max(index - 1, 0))),
        "spam": lambda: data.draw(st.integers(0, 9)),
        "sla": lambda: (_opt(data, [instant(data)]), _opt(data, [instant(data)])),
    }[kind]()

    def op():
        t = world.tickets[min(index, len(world.tickets) - 1)]
        if kind == "status":
            builders.status(t, detail, at)
        elif kind == "message":
            msg_kind, sender, who = detail
            builders.message(
                t,
                at=at,
                kind=msg_kind,
                sender=sender,
                author=world.agents[who] if sender == "agent" else None,
            )
        elif kind == "rate":
            builders.rate(t, detail, at)
        elif kind == "change":
            value = {
                "team": world.teams[0],
                "assignee": world.agents[1],
                "priority": "urgent",
                "type": "incident",
            }
            builders.change(t, detail, value[detail], at)
        elif kind == "merge":
            target = world.tickets[detail]
            if target.pk < t.pk and not t.merged_into_id:
                builders.merge(t, target, at)
        elif kind == "spam":
            # Rarely: a ticket deleted as spam counts nowhere.
            if detail == 0 and not t.merged_into_id:
                builders.spam(t, at)
        else:
            builders.sla(t, first_response_due_at=detail[0], resolution_due_at=detail[1], at=at)

    return op


def _stage_op(data, world):
    customer = data.draw(st.sampled_from(world.customers))
    at = instant(data)
    to_stage = data.draw(st.sampled_from(STAGES))
    kind = data.draw(st.sampled_from(["append", "append", "append", "supersede", "purchase"]))
    value = data.draw(st.sampled_from([None, Decimal("10.00"), Decimal("0.10"), Decimal("99.99")]))

    def op():
        history = world.changes[customer.pk]
        if kind == "purchase":
            builders.purchase(customer, at, value)
            return
        if kind == "supersede" and history:
            builders.supersede(history.pop(0), at)
        live = StageChange.objects.filter(customer=customer, superseded_at__isnull=True, occurred_at__lt=at)
        before = live.order_by("-occurred_at", "-id").first()
        from_stage = before.to_stage if before else None
        history.append(builders.stage_change(customer, from_stage, to_stage, at))

    return op
