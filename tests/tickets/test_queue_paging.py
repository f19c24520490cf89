"""Keyset paging: pages follow each other with no duplicates or gaps, even while rows change."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import TicketFactory
from tests.tickets.workspace import agent_in, tickets
from tickets.keyset import SortKey, keyset_page
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def me(crew):
    return agent_in(crew, username="me")


def page(client, query):
    response = client.get(f"/tickets/?view=open&size=25&{query}")
    assert response.status_code == 200
    return response.context["result"].page


def test_pages_cover_every_ticket_once_in_order(client, crew, me):
    made = tickets(60, team=crew)
    client.force_login(me)
    seen, query = [], ""
    for _ in range(5):
        current = page(client, query)
        seen += [t.pk for t in current.rows]
        if not current.next_cursor:
            break
        query = f"after={current.next_cursor}"
    assert seen == [t.pk for t in reversed(made)]


def test_previous_returns_to_the_page_before(client, crew, me):
    tickets(60, team=crew)
    client.force_login(me)
    first = page(client, "")
    second = page(client, f"after={first.next_cursor}")
    back = page(client, f"before={second.previous_cursor}")
    assert [t.pk for t in back.rows] == [t.pk for t in first.rows]
    assert back.previous_cursor is None
    assert first.previous_cursor is None


def test_no_duplicates_or_skips_while_rows_change(client, crew, me):
    made = tickets(50, team=crew)
    client.force_login(me)
    first = page(client, "")
    first_ids = [t.pk for t in first.rows]
    # While the agent reads page 1: a ticket from page 2 is updated (moves to the top) and new ones arrive.
    moved = made[10]
    Ticket.objects.filter(pk=moved.pk).update(updated_at=timezone.now())
    TicketFactory(team=crew, subject="Arrived later")
    second = page(client, f"after={first.next_cursor}")
    second_ids = [t.pk for t in second.rows]
    assert not set(first_ids) & set(second_ids)
    expected = [t.pk for t in reversed(made[:25]) if t.pk != moved.pk]
    assert second_ids == expected


@pytest.mark.parametrize("cursor", ["garbage", "W10", "WyJ4Il0", "eyJhIjoxfQ", "WzEsMiwzXQ"])
def test_tampered_cursor_answers_400(client, me, cursor):
    client.force_login(me)
    assert client.get(f"/tickets/?after={cursor}").status_code == 400


@pytest.mark.parametrize("sort", ["updated", "created", "priority", "due"])
def test_every_sort_pages_through_all_rows(client, crew, me, sort):
    made = tickets(30, team=crew)
    now = timezone.now()
    for i, ticket in enumerate(made):
        due = None if i % 4 == 0 else now + timedelta(hours=i % 7)
        priority = ["low", "normal", "high", "urgent"][i % 4]
        Ticket.objects.filter(pk=ticket.pk).update(resolution_due_at=due, priority=priority)
    client.force_login(me)
    seen, query = [], f"sort={sort}"
    while True:
        current = page(client, query)
        seen += current.rows
        if not current.next_cursor:
            break
        query = f"sort={sort}&after={current.next_cursor}"
    assert sorted(t.pk for t in seen) == sorted(t.pk for t in made)
    assert len(seen) == len(made)
    backwards = page(client, f"sort={sort}&before={current.previous_cursor}")
    assert [t.pk for t in backwards.rows] == [t.pk for t in seen[:25]][-len(backwards.rows) :]


def test_sort_orders(client, crew, me):
    made = tickets(6, team=crew)
    now = timezone.now()
    ranks = ["low", "urgent", "normal", "high", "urgent", "low"]
    for i, ticket in enumerate(made):
        Ticket.objects.filter(pk=ticket.pk).update(
            priority=ranks[i], resolution_due_at=None if i == 0 else now + timedelta(hours=10 - i)
        )
    client.force_login(me)
    by_priority = [t.priority for t in page(client, "sort=priority").rows]
    assert by_priority == ["urgent", "urgent", "high", "normal", "low", "low"]
    by_due = [t.pk for t in page(client, "sort=due").rows]
    assert by_due == [made[5].pk, made[4].pk, made[3].pk, made[2].pk, made[1].pk, made[0].pk]
    by_created = [t.pk for t in page(client, "sort=created").rows]
    assert by_created == sorted(by_created, reverse=True)


def test_keyset_page_issues_one_query_without_offset(django_assert_num_queries, crew):
    tickets(12, team=crew)
    keys = (SortKey("updated_at", descending=True, is_datetime=True), SortKey("id", descending=True))
    first = keyset_page(Ticket.objects.all(), keys, size=5)
    with django_assert_num_queries(1) as captured:
        keyset_page(Ticket.objects.all(), keys, size=5, after=first.next_cursor)
    assert "OFFSET" not in captured.captured_queries[0]["sql"].upper()


def test_recently_solved_by_due_date_pages_through_every_ticket_once(client, crew, me):
    from django.db.models import F

    from tickets.services import ticket_set_status

    made = tickets(30, team=crew)
    now = timezone.now()
    for i, ticket in enumerate(made):
        due = None if i % 7 == 0 else now - timedelta(days=i % 5, minutes=i)
        Ticket.objects.filter(pk=ticket.pk).update(resolution_due_at=due)
        ticket_set_status(ticket=ticket, status="solved", by=me)
    client.force_login(me)
    expected = list(
        Ticket.objects.order_by(F("resolution_due_at").asc(nulls_last=True), "pk").values_list(
            "pk", flat=True
        )
    )
    seen, query = [], ""
    for _ in range(5):
        response = client.get(f"/tickets/?view=solved&sort=due&size=25&{query}")
        current = response.context["result"].page
        seen += [t.pk for t in current.rows]
        if not current.next_cursor:
            break
        query = f"after={current.next_cursor}"
    assert seen == expected
    back = client.get(f"/tickets/?view=solved&sort=due&size=25&before={current.previous_cursor}")
    assert [t.pk for t in back.context["result"].page.rows] == expected[:25]
