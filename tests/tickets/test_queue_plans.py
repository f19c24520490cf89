"""On PostgreSQL every queue view reads its page off an index in the page's order, never sorting
all the tickets it matches (the one exception, a recent window sorted by due date, sorts only the
window). A test database is too small for the planner to prefer indexes on its own, so sequential
scans and sorts are priced out: a plan that still sorts has no index to read the order from."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.tickets.workspace import agent_in, team, tickets
from tickets.selectors import QUEUE_VIEWS, SORTS

pytestmark = pytest.mark.django_db

CASES = [
    (view.slug, sort)
    for view in QUEUE_VIEWS
    for sort in SORTS
    if not (view.recent_window and sort == "due")  # sorts the window, see keyset_page
] + [
    ("open", "updated&priority=high&channel=email"),
    ("open", "updated&priority=urgent&status=open"),
    ("all", "updated&q=printer"),
]


def _page_query(client, url) -> str:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    rows = [
        q["sql"] for q in captured.captured_queries if q["sql"].startswith('SELECT "tickets_ticket"."id"')
    ]
    return rows[0]


@pytest.mark.parametrize(("view", "sort"), CASES)
def test_queue_page_is_read_in_order_off_an_index(client, postgres, view, sort):
    crew = team()
    me = agent_in(crew, username="me")
    tickets(30, team=crew, assignee=me, subject="Printer jam", priority="high")
    client.force_login(me)
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET enable_sort = off")
        try:
            sql = _page_query(client, f"/tickets/?view={view}&sort={sort}")
            cursor.execute(f"EXPLAIN {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("RESET enable_seqscan")
            cursor.execute("RESET enable_sort")
    # An incremental sort is fine: it reads in an index's order and only orders rows with equal keys.
    assert not re.search(r"(^|->)\s*Sort\s+\(cost", plan, re.M), plan
    assert "Seq Scan on tickets_ticket" not in plan, plan
