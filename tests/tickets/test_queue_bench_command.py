"""manage.py workspace_bench reports p50/p95 and the query range for the queue and ticket pages."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.tickets.workspace import agent_in, team, tickets

pytestmark = pytest.mark.django_db


def test_bench_reports_timings_and_queries():
    crew = team()
    agent_in(crew, username="agent")
    tickets(60, team=crew)
    out = StringIO()
    call_command("workspace_bench", "--requests", "4", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "60 tickets; signed in as agent."
    # Four queue views plus the second page of "all" (50 rows a page).
    assert lines[1].startswith("queue: 5 requests, p50 ") and "statuses [200]" in lines[1]
    assert lines[2].startswith("ticket: 4 requests, p50 ") and "statuses [200]" in lines[2]


def test_bench_needs_a_user():
    with pytest.raises(CommandError, match="No user 'nobody'"):
        call_command("workspace_bench", "--user", "nobody")
