"""Search: by reference, by customer email, and full text over subjects and messages."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import TicketFactory
from tests.tickets.workspace import agent_in, team
from tickets import services
from tickets.models import Ticket
from tickets.search import ticket_search

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    crew = team(name="Red")
    me = agent_in(crew, username="me")
    refund = TicketFactory(team=crew, subject="Refund for broken kettle", customer_email="kim@example.test")
    invoice = TicketFactory(team=crew, subject="Invoice address", body="Please change the street name")
    services.ticket_note(ticket=invoice, by=me, body="Customer also mentioned a broken kettle lid")
    other = TicketFactory(team=crew, subject="Password reset", customer_email="lee@example.test")
    return me, refund, invoice, other


def found(text):
    return set(ticket_search(Ticket.objects.all(), text).values_list("subject", flat=True))


@pytest.mark.parametrize("search_db", ["sqlite", "postgresql"])
def test_words_match_subjects_and_messages(world, search_db):
    if connection.vendor != search_db:
        pytest.skip(f"runs on {search_db}")
    assert found("kettle") == {"Refund for broken kettle", "Invoice address"}
    assert found("street") == {"Invoice address"}
    assert found("nothing-like-this") == set()


def test_reference_matches_exactly(world):
    _, refund, *_ = world
    assert found(refund.reference) == {"Refund for broken kettle"}
    assert found(refund.reference.lower()) == {"Refund for broken kettle"}
    assert found(f"#{refund.pk}") == {"Refund for broken kettle"}


def test_customer_email_matches_their_tickets(world):
    assert found("KIM@example.test") == {"Refund for broken kettle"}
    assert found("nobody@example.test") == set()


def test_search_never_widens_permission_scope(client, world):
    outsider = agent_in(team(name="Blue"), username="outsider")
    client.force_login(outsider)
    response = client.get("/tickets/?view=all&q=kettle")
    assert response.context["result"].page.rows == []


def test_queue_search_with_punctuation_does_not_fail(client, world):
    me, *_ = world
    client.force_login(me)
    for text in ["kettle & | !", "'\"", "a:b*", "HD-", "x" * 200]:
        assert client.get("/tickets/", {"view": "all", "q": text}).status_code == 200


def test_postgres_search_uses_the_gin_indexes(world, postgres):
    query = ticket_search(Ticket.objects.all(), "kettle")
    with connection.cursor() as cursor, CaptureQueriesContext(connection):
        cursor.execute("SET enable_seqscan = off")
        sql, params = query.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert "tickets_ticket_subject_fts" in plan
    assert "tickets_message_body_fts" in plan
