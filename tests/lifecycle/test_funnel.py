"""The funnel selector against a brute-force reference of KPIS.md, on randomized histories."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lifecycle.models import FORWARD_STAGES, Stage, StageChange
from lifecycle.selectors import stage_funnel
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
BASE = date(2026, 1, 1)


def reference(rows, date_from, date_to, window_days=90):
    zone = ZoneInfo(django_settings.TIME_ZONE)
    start = datetime.combine(date_from, time.min, tzinfo=zone)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=zone)
    live = sorted((r for r in rows if r.superseded_at is None), key=lambda r: (r.occurred_at, r.id))
    result = {}
    for index, stage in enumerate(FORWARD_STAGES):
        later = set(FORWARD_STAGES[index + 1 :])
        entered = moved = 0
        for customer in {r.customer_id for r in live}:
            mine = [r for r in live if r.customer_id == customer]
            entries = [r for r in mine if r.to_stage == stage and start <= r.occurred_at < end]
            if not entries:
                continue
            entry = entries[0]
            entered += 1
            after = mine[mine.index(entry) + 1 :]
            if any(
                r.to_stage in later and r.occurred_at - entry.occurred_at <= timedelta(days=window_days)
                for r in after
            ):
                moved += 1
        result[stage.value] = (entered, moved)
    return result


change = st.tuples(
    st.integers(min_value=0, max_value=3),  # customer
    st.sampled_from(Stage.values),
    st.integers(min_value=0, max_value=200 * 24),  # hours after BASE
    st.booleans(),  # superseded
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    changes=st.lists(change, max_size=25),
    start=st.integers(min_value=0, max_value=150),
    length=st.integers(min_value=0, max_value=60),
)
def test_funnel_equals_brute_force_reference(changes, start, length):
    StageChange.objects.all().delete()
    customers = [CustomerFactory() for _ in range(4)]
    zone = ZoneInfo(django_settings.TIME_ZONE)
    origin = datetime.combine(BASE, time.min, tzinfo=zone)
    for who, to_stage, hours, superseded in changes:
        at = origin + timedelta(hours=hours)
        StageChange.objects.create(
            customer=customers[who],
            to_stage=to_stage,
            occurred_at=at,
            cause="event",
            superseded_at=at if superseded else None,
        )
    date_from = BASE + timedelta(days=start)
    date_to = date_from + timedelta(days=length)
    rows = list(StageChange.objects.all())
    got = {
        row.stage: (row.entered, row.moved_on) for row in stage_funnel(date_from=date_from, date_to=date_to)
    }
    assert got == reference(rows, date_from, date_to)


def test_funnel_counts_each_customer_once_and_moves_within_90_days():
    customer = CustomerFactory()
    zone = ZoneInfo(django_settings.TIME_ZONE)
    day = datetime(2026, 3, 1, 12, tzinfo=zone)
    for stage, offset in [("reach", 0), ("acquisition", 1), ("reach", 2), ("conversion", 95)]:
        StageChange.objects.create(
            customer=customer, to_stage=stage, occurred_at=day + timedelta(days=offset), cause="event"
        )
    rows = {r.stage: r for r in stage_funnel(date_from=date(2026, 3, 1), date_to=date(2026, 3, 31))}
    assert (rows["reach"].entered, rows["reach"].moved_on) == (1, 1)
    assert (rows["acquisition"].entered, rows["acquisition"].moved_on) == (
        1,
        0,
    )  # conversion came 94 days later
    assert rows["conversion"].entered == 0


def test_funnel_page_shows_rows_and_refuses_bad_ranges(client, manager):
    client.force_login(manager)
    response = client.get("/customers/funnel/")
    assert response.status_code == 200 and len(response.context["rows"]) == 5
    assert (
        client.get("/customers/funnel/", {"date_from": "2026-05-01", "date_to": "2026-04-01"}).status_code
        == 400
    )
    assert (
        client.get("/customers/funnel/", {"date_from": "nonsense", "date_to": "2026-04-01"}).status_code
        == 400
    )
    assert (
        client.get("/customers/funnel/", {"date_from": "2020-01-01", "date_to": "2026-04-01"}).status_code
        == 400
    )


def test_funnel_page_query_count(client, manager, django_assert_max_num_queries):
    zone = ZoneInfo(django_settings.TIME_ZONE)
    for index in range(12):
        who = CustomerFactory()
        StageChange.objects.create(
            customer=who, to_stage="reach", occurred_at=datetime(2026, 3, 1, tzinfo=zone), cause="event"
        )
        StageChange.objects.create(
            customer=who,
            to_stage="acquisition",
            occurred_at=datetime(2026, 3, 2 + index, tzinfo=zone),
            cause="event",
        )
    client.force_login(manager)
    with django_assert_max_num_queries(9):
        response = client.get("/customers/funnel/", {"date_from": "2026-03-01", "date_to": "2026-03-31"})
    assert response.context["rows"][0].entered == 12 and response.context["rows"][0].moved_on == 12
