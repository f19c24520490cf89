"""A brute-force, plain-Python reading of shared/KPIS.md, straight from the raw rows.

Deliberately naive: it loads every ticket, message, event, rating, stage change and purchase
and applies the definitions one item at a time, so that the SQL pipeline can be checked
against it on randomized data. It returns the same shape as `kpis.queries.metric`.
"""

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings

from lifecycle.models import StageChange, TouchpointEvent
from tickets.models import Message, SatisfactionRating, Ticket, TicketEvent

UNSOLVED = {"new", "open", "pending", "on_hold"}
SOLVED = {"solved", "closed"}
FIVE = ["reach", "acquisition", "conversion", "retention", "loyalty"]
PAYING = {"conversion", "retention", "loyalty"}
STAGES = [*FIVE, "churned"]
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DIMENSIONS = ("team", "channel", "assignee", "priority", "type", "stage")


def us(dt: datetime) -> int:
    return (dt - EPOCH) // timedelta(microseconds=1)


def local_day(dt: datetime) -> date:
    return dt.astimezone(ZoneInfo(settings.TIME_ZONE)).date()


def day_start(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=ZoneInfo(settings.TIME_ZONE)).astimezone(UTC)


def percentile(values: list[int], p: float) -> float:
    """Linear interpolation between closest ranks, computed like PostgreSQL's percentile_cont."""
    ordered = sorted(values)
    row = p * (len(ordered) - 1)
    lo = int(row)
    hi = min(lo + 1, len(ordered) - 1)
    lo_v, hi_v = float(ordered[lo]), float(ordered[hi])
    return lo_v + (hi_v - lo_v) * (row - lo)


def duration(values: list[int]) -> dict:
    if not values:
        return {"count": 0, "mean": None, "median": None, "p90": None}
    return {
        "count": len(values),
        "mean": sum(values) / len(values) / 1e6,
        "median": percentile(values, 0.5) / 1e6,
        "p90": percentile(values, 0.9) / 1e6,
    }


def rate(numerator: int, denominator: int) -> dict:
    return {
        "numerator": numerator,
        "denominator": denominator,
        "rate": numerator / denominator if denominator else None,
    }


class Reference:
    def __init__(
        self,
        *,
        now: datetime,
        repeat_window=timedelta(days=7),
        moved_on_window=timedelta(days=90),
        revenue_window=timedelta(days=90),
    ):
        self.now = now
        self.repeat_window = repeat_window
        self.moved_on_window = moved_on_window
        self.revenue_window = revenue_window
        self._tickets()
        self._customers()

    # ---- ticket facts ---------------------------------------------------------------------
    def _tickets(self) -> None:
        tickets = {t.pk: t for t in Ticket.objects.all()}

        def root(t):
            seen = set()
            while t.merged_into_id and t.pk not in seen:
                seen.add(t.pk)
                t = tickets[t.merged_into_id]
            return t

        events = defaultdict(list)
        for e in TicketEvent.objects.all():
            events[e.ticket_id].append(e)
        replies = defaultdict(list)
        for m in Message.objects.all():
            owner = tickets[m.ticket_id]
            if owner.is_spam or not (m.kind == "public" and m.sender == "agent"):
                continue
            r = root(owner)
            replies[r.pk].append(max(m.created_at, r.created_at))
        ratings = {r.ticket_id: r for r in SatisfactionRating.objects.all()}

        self.facts = []
        for t in tickets.values():
            if t.is_spam:
                continue
            f = {
                "id": t.pk,
                "customer": t.customer_id,
                "merged": root(t).pk != t.pk,
                "inbound": t.direction == "inbound",
                "team": t.team_id,
                "channel": t.channel,
                "assignee": t.assignee_id,
                "priority": t.priority,
                "type": t.type,
                "stage": t.customer_stage_at_open,
                "created": t.created_at,
                "created_day": local_day(t.created_at),
            }
            # Status history: starts `new` at creation, then CREATED/STATUS events in order.
            seq = [(t.created_at, 0, "new")]
            for e in events[t.pk]:
                if e.kind == "created":
                    seq.append(
                        (max(e.occurred_at, t.created_at), e.pk, (e.after or {}).get("status") or "new")
                    )
                elif e.kind == "status":
                    seq.append((max(e.occurred_at, t.created_at), e.pk, e.after))
            seq.sort(key=lambda x: (x[0], x[1]))
            solved_at, reopened, spans = None, False, []
            for i, (at, _, st) in enumerate(seq):
                prev = seq[i - 1][2] if i else None
                if prev in UNSOLVED and st in SOLVED:
                    solved_at = at
                if prev in SOLVED and st in UNSOLVED:
                    reopened = True
                if st in UNSOLVED:
                    spans.append((at, seq[i + 1][0] if i + 1 < len(seq) else None))
            f["status"] = seq[-1][2]
            f["solved"] = solved_at if f["status"] in SOLVED else None
            f["reopened"] = reopened
            f["spans"] = spans
            mine = sorted(replies[t.pk]) if not f["merged"] else []
            f["first_reply"] = mine[0] if mine else None
            f["replies"] = len(mine)
            f["fr_due"] = t.first_response_due_at
            f["res_due"] = t.resolution_due_at
            r = ratings.get(t.pk)
            f["rating"] = (r.score, r.created_at) if r and not f["merged"] else None
            self.facts.append(f)
        live = [f for f in self.facts if not f["merged"]]
        for f in live:
            f["repeat"] = f["inbound"] and any(
                g is not f
                and g["customer"] == f["customer"]
                and g["inbound"]
                and f["created"] - self.repeat_window <= g["created"] < f["created"]
                for g in live
            )

    def replies_by_author(self, date_from: date, date_to: date) -> dict[int, int]:
        """Agent KPIs: public replies written, by the message's author, on its day."""
        spam = set(Ticket.objects.filter(is_spam=True).values_list("pk", flat=True))
        out = defaultdict(int)
        for m in Message.objects.filter(kind="public", sender="agent", author__isnull=False):
            if m.ticket_id not in spam and date_from <= local_day(m.created_at) <= date_to:
                out[m.author_id] += 1
        return dict(out)

    # ---- customers ------------------------------------------------------------------------
    def _customers(self) -> None:
        self.history = defaultdict(list)
        for c in StageChange.objects.filter(superseded_at__isnull=True).order_by("occurred_at", "id"):
            self.history[c.customer_id].append(c)
        self.purchases = list(TouchpointEvent.objects.filter(type="purchase"))

    def stage_at(self, customer: int, instant: datetime):
        """The stage after every change strictly before `instant`."""
        changes = self.history[customer]
        stage = changes[0].from_stage if changes else None
        for c in changes:
            if c.occurred_at < instant:
                stage = c.to_stage
        return stage

    # ---- answers --------------------------------------------------------------------------
    def metric(
        self, name: str, *, date_from: date, date_to: date, by: str | None = None, filters: dict | None = None
    ) -> dict:
        filters = filters or {}
        rows = getattr(self, f"_{name}")(date_from, date_to, by, filters)
        return {"metric": name, "from": date_from, "to": date_to, "by": by, "results": rows}

    def _pick(self, items, by, filters, day_of, date_from, date_to):
        out = defaultdict(list)
        for f, item in items:
            if not all(f[k] == v for k, v in filters.items()):
                continue
            d = day_of(f, item)
            if d is None or not date_from <= d <= date_to:
                continue
            out[f[by] if by else None].append((f, item))
        if not by:
            out.setdefault(None, [])
        return out

    def _ticket_items(self, *, merged_too=False, inbound=False):
        return [
            (f, None) for f in self.facts if (merged_too or not f["merged"]) and (not inbound or f["inbound"])
        ]

    @staticmethod
    def _rows(groups, figure) -> list[dict]:
        rows = [{"key": k, **figure(v)} for k, v in groups.items()]
        return sorted(rows, key=lambda r: (r["key"] is None, str(r["key"])))

    def _by_created(self, f, _):
        return f["created_day"]

    def _by_solved(self, f, _):
        return local_day(f["solved"]) if f["solved"] else None

    def _volume(self, a, b, by, flt):
        g = self._pick(self._ticket_items(merged_too=True), by, flt, self._by_created, a, b)
        return self._rows(g, lambda v: {"value": len(v)})

    def _first_response_time(self, a, b, by, flt):
        items = [(f, None) for f, _ in self._ticket_items(inbound=True) if f["first_reply"]]
        g = self._pick(items, by, flt, self._by_created, a, b)
        return self._rows(g, lambda v: duration([us(f["first_reply"]) - us(f["created"]) for f, _ in v]))

    def _unanswered(self, a, b, by, flt):
        items = [
            (f, None) for f, _ in self._ticket_items(inbound=True) if not f["first_reply"] and not f["solved"]
        ]
        g = self._pick(items, by, flt, self._by_created, a, b)
        return self._rows(g, lambda v: {"value": len(v)})

    def _resolution_time(self, a, b, by, flt):
        g = self._pick(self._ticket_items(), by, flt, self._by_solved, a, b)
        return self._rows(g, lambda v: duration([us(f["solved"]) - us(f["created"]) for f, _ in v]))

    def _fcr(self, a, b, by, flt):
        g = self._pick(self._ticket_items(inbound=True), by, flt, self._by_solved, a, b)
        return self._rows(
            g, lambda v: rate(sum(f["replies"] == 1 and not f["reopened"] for f, _ in v), len(v))
        )

    def _reopen_rate(self, a, b, by, flt):
        g = self._pick(self._ticket_items(), by, flt, self._by_solved, a, b)
        return self._rows(g, lambda v: rate(sum(f["reopened"] for f, _ in v), len(v)))

    def _repeat_contact_rate(self, a, b, by, flt):
        g = self._pick(self._ticket_items(inbound=True), by, flt, self._by_created, a, b)
        return self._rows(g, lambda v: rate(sum(f["repeat"] for f, _ in v), len(v)))

    def _csat(self, a, b, by, flt):
        items = [(f, None) for f, _ in self._ticket_items() if f["rating"]]
        g = self._pick(items, by, flt, lambda f, _: local_day(f["rating"][1]), a, b)

        def figure(v):
            scores = [f["rating"][0] for f, _ in v]
            return {
                **rate(sum(s >= 4 for s in scores), len(scores)),
                "mean": sum(scores) / len(scores) if scores else None,
            }

        return self._rows(g, figure)

    def _sla(self, v, outcome):
        achieved = breached = pending = 0
        for f, _ in v:
            o = outcome(f)
            achieved += o == "achieved"
            breached += o == "breached"
            pending += o == "pending"
        return {
            **rate(achieved, achieved + breached),
            "achieved": achieved,
            "breached": breached,
            "pending": pending,
        }

    def _sla_first_response(self, a, b, by, flt):
        def outcome(f):
            if f["first_reply"]:
                return "achieved" if f["first_reply"] <= f["fr_due"] else "breached"
            return "breached" if self.now > f["fr_due"] else "pending"

        items = [(f, None) for f, _ in self._ticket_items(inbound=True) if f["fr_due"]]
        g = self._pick(items, by, flt, self._by_created, a, b)
        return self._rows(g, lambda v: self._sla(v, outcome))

    def _sla_resolution(self, a, b, by, flt):
        def outcome(f):
            if f["solved"]:
                return "achieved" if f["solved"] <= f["res_due"] else "breached"
            return "breached" if self.now > f["res_due"] else "pending"

        items = [(f, None) for f, _ in self._ticket_items() if f["res_due"]]
        g = self._pick(items, by, flt, self._by_created, a, b)
        return self._rows(g, lambda v: self._sla(v, outcome))

    def _days(self, a, b):
        d = a
        while d <= b:
            yield d
            d += timedelta(days=1)

    def _backlog(self, a, b, by, flt):
        per_key = defaultdict(dict)
        keys = set()
        for d in self._days(a, b):
            end = day_start(d + timedelta(days=1))
            counts = defaultdict(int)
            for f, _ in self._ticket_items():
                if not all(f[k] == v for k, v in flt.items()):
                    continue
                if any(s < end and (e is None or e >= end) for s, e in f["spans"]):
                    counts[f[by] if by else None] += 1
            for k, n in counts.items():
                per_key[k][d] = n
                keys.add(k)
        if not by:
            keys.add(None)
        rows = []
        for k in keys:
            days = [{"day": d, "value": per_key[k].get(d, 0)} for d in self._days(a, b)]
            rows.append({"key": k, "value": days[-1]["value"], "days": days})
        return sorted(rows, key=lambda r: (r["key"] is None, str(r["key"])))

    def _stage_counts(self, a, b, by, flt):
        rows = []
        for stage in STAGES:
            days = []
            for d in self._days(a, b):
                end = day_start(d + timedelta(days=1))
                days.append({"day": d, "value": sum(self.stage_at(c, end) == stage for c in self.history)})
            rows.append({"key": stage, "value": days[-1]["value"], "days": days})
        return rows

    def _paying_at_start(self, a):
        start = day_start(a)
        return {c for c in self.history if self.stage_at(c, start) in PAYING}

    def _churn_rate(self, a, b, by, flt):
        s = self._paying_at_start(a)
        lo, hi = day_start(a), day_start(b + timedelta(days=1))
        n = sum(any(c.to_stage == "churned" and lo <= c.occurred_at < hi for c in self.history[k]) for k in s)
        return [{"key": None, **rate(n, len(s))}]

    def _retention_rate(self, a, b, by, flt):
        s = self._paying_at_start(a)
        end = day_start(b + timedelta(days=1))
        return [{"key": None, **rate(sum(self.stage_at(k, end) in PAYING for k in s), len(s))}]

    def _loyal_share(self, a, b, by, flt):
        days = []
        for d in self._days(a, b):
            end = day_start(d + timedelta(days=1))
            stages = [self.stage_at(c, end) for c in self.history]
            r = rate(sum(s == "loyalty" for s in stages), sum(s in PAYING for s in stages))
            days.append(
                {"day": d, "value": r["rate"], "numerator": r["numerator"], "denominator": r["denominator"]}
            )
        last = days[-1]
        return [{"key": None, **rate(last["numerator"], last["denominator"]), "days": days}]

    def _funnel(self, a, b, by, flt):
        lo, hi = day_start(a), day_start(b + timedelta(days=1))
        rows = []
        for i, stage in enumerate(FIVE):
            entered = moved = 0
            for changes in self.history.values():
                ordered = sorted(changes, key=lambda c: (c.occurred_at, c.pk))
                first = next((c for c in ordered if c.to_stage == stage and lo <= c.occurred_at < hi), None)
                if first is None:
                    continue
                entered += 1
                later = set(FIVE[i + 1 :])
                moved += any(
                    c.to_stage in later
                    and (c.occurred_at, c.pk) > (first.occurred_at, first.pk)
                    and c.occurred_at <= first.occurred_at + self.moved_on_window
                    for c in ordered
                )
            rows.append({"key": stage, "entered": entered, "moved_on": moved})
        return rows

    def _revenue_after_service(self, a, b, by, flt):
        solved = [f for f in self.facts if not f["merged"] and f["solved"]]
        groups = defaultdict(Decimal)
        for p in self.purchases:
            best = None
            for f in solved:
                fits = (
                    f["customer"] == p.customer_id
                    and f["solved"] < p.occurred_at <= f["solved"] + self.revenue_window
                )
                if fits and (best is None or (f["solved"], f["id"]) > (best["solved"], best["id"])):
                    best = f
            if best is None or not all(best[k] == v for k, v in flt.items()):
                continue
            if not a <= local_day(best["solved"]) <= b:
                continue
            groups[best[by] if by else None] += p.value or Decimal(0)
        if not by:
            groups.setdefault(None, Decimal(0))
        return self._rows(groups, lambda v: {"value": v})
