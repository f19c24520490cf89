"""The queue costs the same number of queries for 10 rows as for 50, whatever the filters."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import CannedReplyFactory
from tests.tickets.workspace import agent_in, team, tickets
from tickets.models import SavedView

pytestmark = pytest.mark.django_db

QUEUE_QUERIES = 9  # session, user, roles, team ids, rows, tags, agents, teams, saved views


def count_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response


@pytest.mark.parametrize(
    "query", ["view=open", "view=open&sort=priority", "view=teams&tag=billing&sort=due", "view=open&q=ticket"]
)
def test_queue_queries_do_not_grow_with_rows(client, query):
    crew = team()
    me = agent_in(crew, username="me")
    SavedView.objects.create(owner=me, name="Mine", query="view=mine")
    CannedReplyFactory()
    client.force_login(me)
    tickets(10, team=crew, tags=["billing", "vip"], assignee=me)
    small, response = count_queries(client, f"/tickets/?{query}&size=50")
    assert len(response.context["result"].page.rows) == 10
    tickets(45, team=crew, tags=["billing"], assignee=me)
    large, response = count_queries(client, f"/tickets/?{query}&size=50")
    assert len(response.context["result"].page.rows) == 50
    assert small == large
    assert large <= QUEUE_QUERIES


def test_queue_page_of_50_within_query_budget(client, django_assert_max_num_queries):
    crew = team()
    me = agent_in(crew, username="me")
    tickets(55, team=crew, tags=["billing"])
    client.force_login(me)
    with django_assert_max_num_queries(QUEUE_QUERIES):
        response = client.get("/tickets/?view=open&size=50")
    assert len(response.context["result"].page.rows) == 50
