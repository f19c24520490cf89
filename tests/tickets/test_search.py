"""Search: by reference, by customer email, and full text over subjects and messages."""

import random
import string

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import TicketFactory
from tests.tickets.workspace import agent_in, team
from tickets import search, services
from tickets.models import SearchDocument, Ticket
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


@pytest.fixture(params=["collect the matches", "walk the order"])
def plan(request, monkeypatch):
    """Both ways PostgreSQL may find a page of matches must find the same tickets."""
    share = 0.0 if request.param == "collect the matches" else 1.0
    monkeypatch.setattr(search, "_share_of_tickets", lambda text: share if text.strip(" '\"") else None)
    return request.param


@pytest.mark.parametrize("search_db", ["sqlite", "postgresql"])
def test_words_match_subjects_and_messages(world, search_db):
    if connection.vendor != search_db:
        pytest.skip(f"runs on {search_db}")
    assert found("kettle") == {"Refund for broken kettle", "Invoice address"}
    assert found("street") == {"Invoice address"}
    assert found("nothing-like-this") == set()


def test_both_plans_find_the_same_tickets(world, postgres, plan):
    assert found("kettle") == {"Refund for broken kettle", "Invoice address"}
    assert found("KETTLE lid") == {"Invoice address"}
    assert found("street") == {"Invoice address"}
    assert found("nothing-like-this") == set()
    assert found("'\"") == set()


def test_a_reply_is_searchable_at_once(world):
    me, refund, *_ = world
    services.ticket_reply(ticket=refund, by=me, body="We sent a replacement toaster")
    assert found("toaster") == {"Refund for broken kettle"}


def test_merged_messages_are_found_on_the_survivor_only(world):
    me, refund, invoice, _ = world
    services.ticket_merge(source=invoice, target=refund, by=me)
    assert found("street") == {"Refund for broken kettle"}
    assert found("invoice") == {"Invoice address"}  # the source keeps its own subject


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


def test_every_ticket_has_one_search_document_on_postgres(world, postgres):
    _, refund, invoice, other = world
    assert set(SearchDocument.objects.values_list("ticket_id", flat=True)) == {
        refund.pk,
        invoice.pk,
        other.pk,
    }


def test_rebuilding_the_documents_changes_no_result(world, postgres):
    SearchDocument.objects.all().delete()
    services.search_documents_rebuild()
    assert found("kettle") == {"Refund for broken kettle", "Invoice address"}
    assert found("reset") == {"Password reset"}


def test_rebuilding_tickets_that_share_their_text_gives_each_its_own_document(world, postgres):
    me, *_ = world
    crew = me.teams.first()
    for subject in ("Alpha", "Beta"):
        ticket = TicketFactory(team=crew, subject=subject, body="Same words here")
        services.ticket_note(ticket=ticket, by=me, body="Shared note")
    SearchDocument.objects.all().delete()
    services.search_documents_rebuild()
    assert found("alpha") == {"Alpha"} and found("beta") == {"Beta"}
    assert found("shared") == {"Alpha", "Beta"} and found("same words") == {"Alpha", "Beta"}
    assert found("reset") == {"Password reset"}  # a ticket of its own text still has its document


def test_a_huge_conversation_never_fails_to_take_another_message(world, postgres):
    me, refund, *_ = world
    words = random.Random(7)
    for _ in range(30):
        body = " ".join("".join(words.choices(string.ascii_lowercase, k=9)) for _ in range(3000))
        services.ticket_note(ticket=refund, by=me, body=body)
    services.ticket_note(ticket=refund, by=me, body="last words")
    assert "Refund for broken kettle" in found("kettle")


def test_word_shares_come_from_the_statistics(world, postgres):
    TicketFactory(subject="Another kettle")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tickets_searchdocument")
    assert search._share_of_tickets("kettle") > search.WALK_MIN_SHARE
    assert search._share_of_tickets("kettle nothing-like-this") == 0.0
    assert search._share_of_tickets("!!") is None


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor, CaptureQueriesContext(connection):
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    return plan


def test_rare_words_are_collected_from_the_gin_index(world, postgres, monkeypatch):
    monkeypatch.setattr(search, "_share_of_tickets", lambda text: 0.0)
    plan = _plan(ticket_search(Ticket.objects.order_by("-updated_at", "-id"), "kettle")[:26])
    assert "tickets_search_document_gin" in plan
    assert "tickets_message" not in plan


def test_common_words_are_tested_ticket_by_ticket_in_the_queue_order(world, postgres, monkeypatch):
    monkeypatch.setattr(search, "_share_of_tickets", lambda text: 1.0)
    plan = _plan(ticket_search(Ticket.objects.order_by("-updated_at", "-id"), "kettle")[:26])
    assert "tickets_ticket_upd_id_idx" in plan  # walks the order index, no sort of all matches
    assert "Sort" not in plan
    assert "tickets_searchdocument_pkey" in plan


def test_an_erased_customers_words_are_no_longer_found(world, admin_user):
    from lifecycle.services import customer_erase

    me, refund, *_ = world
    services.ticket_reply(ticket=refund, by=me, body="The zanzibar kettle ships on Monday")
    customer_erase(customer=refund.customer, by=admin_user, reason="Their request")
    assert found("zanzibar") == set()
    assert found("kettle") == {"Invoice address"}  # another customer's ticket keeps its words
