"""A cursor's gaps are kept as runs of ids: compact for a rolled-back bulk insert, exact per id."""

import random
from datetime import UTC, datetime

import pytest
from django.db import connection

from kpis import gaps
from kpis.models import KpiCursor
from kpis.services import MAX_GAPS, kpis_catch_up
from tests.factories import TicketFactory
from tickets.models import TicketEvent

T0 = "2026-11-23T05:00:00+00:00"
T1 = "2026-11-23T06:00:00+00:00"


def test_runs_round_trip_and_read_the_older_one_key_per_id_form():
    runs = gaps.from_ids([3, 4, 5, 9, 11, 12], T0)
    assert runs == [(3, 5, T0), (9, 9, T0), (11, 12, T0)]
    assert gaps.dump(runs) == {"3-5": T0, "9": T0, "11-12": T0}
    assert gaps.load(gaps.dump(runs)) == runs
    assert gaps.load({"7": T1, "2": T0}) == [(2, 2, T0), (7, 7, T1)]
    # Older rows hold one key per id: neighbours seen at the same time become one run.
    assert gaps.load({"4": T0, "5": T0, "6": T1, "3": T0}) == [(3, 5, T0), (6, 6, T1)]
    assert gaps.load(None) == [] and gaps.dump([]) == {}


@pytest.mark.parametrize("seed", range(20))
def test_removing_found_ids_and_keeping_the_newest_match_a_plain_set(seed):
    rng = random.Random(seed)
    ids = sorted(rng.sample(range(1, 400), 150))
    stamps = {pk: (T0 if pk < 200 else T1) for pk in ids}
    runs = gaps.from_ids([pk for pk in ids if pk < 200], T0) + gaps.from_ids(
        [pk for pk in ids if pk >= 200], T1
    )
    found = set(rng.sample(range(1, 400), 60))
    left = gaps.remove(runs, found)
    expanded = {pk: stamp for lo, hi, stamp in left for pk in range(lo, hi + 1)}
    assert expanded == {pk: stamps[pk] for pk in ids if pk not in found}
    limit = rng.randint(0, 120)
    kept = gaps.keep(left, cutoff=None, limit=limit)
    newest = sorted(expanded, reverse=True)[:limit]
    assert {pk for lo, hi, _ in kept for pk in range(lo, hi + 1)} == set(newest)
    assert gaps.size(kept) == len(newest)
    cutoff = datetime(2026, 11, 23, 5, 30, tzinfo=UTC)
    fresh = gaps.keep(left, cutoff=cutoff, limit=1000)
    assert {pk for lo, hi, _ in fresh for pk in range(lo, hi + 1)} == {pk for pk in expanded if pk >= 200}


@pytest.mark.django_db
def test_the_condition_selects_exactly_the_ids_of_the_runs():
    ticket = TicketFactory()
    events = [
        TicketEvent.objects.create(ticket=ticket, kind="status", before="new", after="open")
        for _ in range(12)
    ]
    pks = [e.pk for e in events]
    runs = gaps.from_ids([pks[1], pks[2], pks[3], pks[7], pks[9], pks[10]], T0)
    chosen = set(TicketEvent.objects.filter(gaps.condition(runs)).values_list("pk", flat=True))
    assert chosen == {pks[1], pks[2], pks[3], pks[7], pks[9], pks[10]}


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_bulk_insert_is_remembered_in_a_few_runs_and_late_ids_are_still_seen():
    ticket = TicketFactory()
    kpis_catch_up()
    # Take 3,000 ids and give them back, as a rolled-back bulk insert does (sequences do not).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('tickets_ticketevent', 'id'), "
            "(SELECT MAX(id) FROM tickets_ticketevent) + 3000)"
            if connection.vendor == "postgresql"
            else "UPDATE sqlite_sequence SET seq = (SELECT MAX(id) FROM tickets_ticketevent) + 3000"
            " WHERE name = 'tickets_ticketevent'"
        )
    hole_start = TicketEvent.objects.latest("pk").pk + 1
    TicketEvent.objects.create(ticket=ticket, kind="status", before="new", after="open")
    kpis_catch_up()
    stored = KpiCursor.objects.get(stream="ticket_event").gaps
    assert len(stored) == 1 and gaps.size(gaps.load(stored)) == min(3000, MAX_GAPS)
    # An id inside the hole commits late: it is processed, and the run is split around it.
    late = TicketEvent.objects.create(
        ticket=ticket, kind="status", before="open", after="pending", id=hole_start + 1500
    )
    assert kpis_catch_up().events == 1
    runs = gaps.load(KpiCursor.objects.get(stream="ticket_event").gaps)
    assert len(runs) == 2 and all(not (lo <= late.pk <= hi) for lo, hi, _ in runs)
    # A second catch-up finds nothing more.
    assert kpis_catch_up().events == 0
