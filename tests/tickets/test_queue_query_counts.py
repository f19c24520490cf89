"""Every queue view costs the same number of queries for 10 rows as for 50, whatever the filters."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import CannedReplyFactory
from tests.tickets.workspace import agent_in, team, tickets
from tickets import services
from tickets.models import SavedView, Ticket
from tickets.selectors import QUEUE_VIEWS

pytestmark = pytest.mark.django_db

# session, user with roles and teams (accounts.backends, tickets.teams), rows, tags, saved views; agents
# and teams come from the cached directory (tickets/directory.py), which costs DIRECTORY_QUERIES once
# for many pages.
QUEUE_QUERIES = 5
DIRECTORY_QUERIES = 3
SEARCH_QUERIES = 1  # PostgreSQL: how common the words are (tickets.search)

VIEW_QUERIES = [f"view={view.slug}" for view in QUEUE_VIEWS] + [
    f"view={view.slug}&sort={sort}" for view in QUEUE_VIEWS for sort in ("created", "priority", "due")
]
FILTER_QUERIES = [
    "view=open&priority=high&channel=email",
    "view=open&priority=high&priority=urgent&status=new&status=open",
    "view=teams&tag=billing&sort=due",
    "view=all&assignee=me&type=question",
    "view=all&channel=email&type=question",
    "view=open&q=printer",
    "view=all&q=printer&sort=priority",
]


def count_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response


def _make(n, *, crew, me, solved=False, at_risk=False, **fields):
    made = tickets(n, team=crew, subject="Printer jam", tags=["billing"], priority="high", **fields)
    if solved:
        for ticket in made:
            services.ticket_set_status(ticket=ticket, status="solved", by=me)
    if at_risk:
        Ticket.objects.filter(pk__in=[t.pk for t in made]).update(first_response_due_at=timezone.now())
    return made


@pytest.mark.parametrize("query", VIEW_QUERIES + FILTER_QUERIES)
def test_queue_queries_do_not_grow_with_rows(client, query):
    crew = team()
    me = agent_in(crew, username="me")
    SavedView.objects.create(owner=me, name="Mine", query="view=mine")
    CannedReplyFactory()
    client.force_login(me)
    assigned = {"assignee": None} if "unassigned" in query else {"assignee": me}
    kinds = {"solved": "view=solved" in query, "at_risk": "view=sla" in query}
    _make(10, crew=crew, me=me, **kinds, **assigned)
    client.get("/tickets/")  # reads the directory (agents, teams, canned replies) for the pages after it
    small, response = count_queries(client, f"/tickets/?{query}&size=50")
    assert len(response.context["result"].page.rows) == 10
    _make(45, crew=crew, me=me, **kinds, **assigned)
    large, response = count_queries(client, f"/tickets/?{query}&size=50")
    assert len(response.context["result"].page.rows) == 50
    assert small == large
    assert large <= QUEUE_QUERIES + (SEARCH_QUERIES if "q=" in query else 0)


@pytest.mark.parametrize("query", ["view=all", "view=open&sort=priority", "view=all&sort=due&q=printer"])
def test_deep_keyset_page_costs_what_the_first_page_costs(client, query):
    crew = team()
    me = agent_in(crew, username="me")
    client.force_login(me)
    _make(60, crew=crew, me=me, assignee=me)
    client.get("/tickets/")  # reads the directory for the pages after it
    first, response = count_queries(client, f"/tickets/?{query}&size=25")
    page = response.context["result"].page
    for _ in range(2):
        deep, response = count_queries(client, f"/tickets/?{query}&size=25&after={page.next_cursor}")
        page = response.context["result"].page
        assert deep == first
    assert len(page.rows) == 10 and page.next_cursor is None


def test_queue_page_of_50_within_query_budget(client, django_assert_max_num_queries):
    crew = team()
    me = agent_in(crew, username="me")
    tickets(55, team=crew, tags=["billing"])
    client.force_login(me)
    with django_assert_max_num_queries(QUEUE_QUERIES + DIRECTORY_QUERIES):
        client.get("/tickets/?view=open&size=10")
    with django_assert_max_num_queries(QUEUE_QUERIES):
        response = client.get("/tickets/?view=open&size=50")
    assert len(response.context["result"].page.rows) == 50
