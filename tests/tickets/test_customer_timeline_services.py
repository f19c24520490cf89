import pytest

from lifecycle.timeline import provided_items
from tests.factories import TicketFactory
from tickets.services import ticket_mark_spam, ticket_rate
from tickets.timeline import customer_timeline_items

pytestmark = pytest.mark.django_db


def test_customer_timeline_items_lists_tickets_and_ratings_newest_first(django_assert_num_queries):
    tickets = [TicketFactory(customer_email="c@example.test") for _ in range(12)]
    ticket_rate(ticket=tickets[0], score=5, comment="Great")
    ticket_mark_spam(ticket=tickets[1], by=None)
    TicketFactory(customer_email="other@example.test")
    customer = tickets[0].customer
    with django_assert_num_queries(2):
        items = customer_timeline_items(customer=customer, limit=20)
    assert [i.kind for i in items].count("ticket") == 11
    rating = next(i for i in items if i.kind == "rating")
    assert rating.title == f"Rated {tickets[0].reference} 5/5"
    assert items == sorted(items, key=lambda i: i.occurred_at, reverse=True)
    assert items[0].kind == "rating"
    assert f"/tickets/{tickets[-1].reference}/" in {i.url for i in items}


def test_customer_timeline_items_respects_limit_and_is_registered():
    tickets = [TicketFactory(customer_email="c@example.test") for _ in range(5)]
    customer = tickets[0].customer
    assert len(customer_timeline_items(customer=customer, limit=3)) == 3
    assert len(provided_items(customer=customer, limit=3)) == 3
