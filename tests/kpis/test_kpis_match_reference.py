"""The SQL pipeline equals the brute-force reference of KPIS.md on randomized histories.

Each example writes a random raw history (late events, reopenings, merges, spam, replaced
ratings, stage corrections, purchases) in America/New_York around a DST change, processes it
incrementally in random chunks, compares every metric for several ranges, dimensions and filters
with the reference, then does a full recompute and compares again.
"""

import os
from datetime import timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from kpis import selectors
from kpis.services import kpis_catch_up, kpis_recompute

from .randomized import BASE, SPAN_DAYS, ZONE, World, draw_ops, instant
from .reference import Reference, local_day
from .tables import derived_state

pytestmark = pytest.mark.django_db(transaction=False)
# Shrinking a database-backed example is slow; KPI_HYPOTHESIS_SHRINK=1 turns it on when debugging.
PHASES = [p for p in Phase if p != Phase.shrink or os.environ.get("KPI_HYPOTHESIS_SHRINK") == "1"]


def compare_all(data, world, now) -> None:
    ref = Reference(now=now)
    first = local_day(BASE) - timedelta(days=1)
    last = first + timedelta(days=SPAN_DAYS + 3)
    mid_a = data.draw(st.integers(0, SPAN_DAYS), label="range start")
    mid_b = data.draw(st.integers(mid_a, SPAN_DAYS + 1), label="range end")
    ranges = [(first, last), (first + timedelta(days=mid_a), first + timedelta(days=mid_b))]
    dimension = data.draw(st.sampled_from(list(selectors.DIMENSIONS)), label="filter dimension")
    values = {
        "team": [t.pk for t in world.teams] + [None],
        "assignee": [a.pk for a in world.agents] + [None],
        "channel": ["email", "chat"],
        "priority": ["normal", "urgent"],
        "type": ["complaint"],
        "stage": ["loyalty", None],
    }[dimension]
    value = data.draw(st.sampled_from(values), label="filter value")
    for date_from, date_to in ranges:
        got = selectors.replies_by_author(date_from=date_from, date_to=date_to, filters={})
        assert got == ref.replies_by_author(date_from, date_to)
    for name in selectors.METRICS:
        sliceable = name in selectors.SLICEABLE
        for date_from, date_to in ranges:
            cases = [(None, {})]
            if sliceable:
                cases += [(by, {}) for by in selectors.DIMENSIONS] + [("channel", {dimension: value})]
            for by, filters in cases:
                got = selectors.metric(
                    name, date_from=date_from, date_to=date_to, by=by, filters=filters, now=now
                )
                want = ref.metric(name, date_from=date_from, date_to=date_to, by=by, filters=filters)
                assert got == want, f"{name} {date_from}..{date_to} by={by} {filters}\n{got}\n{want}"


@hsettings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), phases=PHASES)
@given(data=st.data())
def test_kpis_match_reference_incremental_then_full(data, settings):
    settings.TIME_ZONE = ZONE
    with transaction.atomic():
        world = World()
        ops = draw_ops(data, world)
        now = instant(data)
        cuts = sorted(data.draw(st.lists(st.integers(0, len(ops)), max_size=4), label="chunk cuts"))
        done = 0
        for cut in [*cuts, len(ops)]:
            for op in ops[done:cut]:
                op()
            done = max(done, cut)
            kpis_catch_up()
        compare_all(data, world, now)
        incremental = derived_state()
        kpis_recompute()
        assert derived_state() == incremental
        compare_all(data, world, now)
        transaction.set_rollback(True)
