import pytest
from django.urls import reverse

from tickets.portal.selectors import PAGE_SIZE

from .conftest import own_ticket

pytestmark = pytest.mark.django_db


def test_portal_list_pages_by_keyset(customer_client, customer_user):
    tickets = [own_ticket(customer_user, subject=f"Request number {n:02d}") for n in range(PAGE_SIZE + 5)]
    first = customer_client.get(reverse("portal:home"))
    assert len(first.context["tickets"]) == PAGE_SIZE
    assert first.context["tickets"][0].pk == tickets[-1].pk
    cursor = first.context["next_cursor"]
    second = customer_client.get(reverse("portal:home"), {"before": cursor})
    assert [t.pk for t in second.context["tickets"]] == [t.pk for t in reversed(tickets[:5])]
    assert second.context["next_cursor"] is None


@pytest.mark.parametrize("cursor", ["abc", "-1", "99999999999999999999999"])
def test_portal_list_bad_cursor_shows_first_page(customer_client, customer_user, cursor):
    own_ticket(customer_user)
    assert customer_client.get(reverse("portal:home"), {"before": cursor}).status_code == 200


def test_portal_list_query_count(customer_client, customer_user, django_assert_max_num_queries):
    for n in range(15):
        own_ticket(customer_user, subject=f"Request {n}")
    with django_assert_max_num_queries(8):
        response = customer_client.get(reverse("portal:home"))
    assert len(response.context["tickets"]) == 15


def test_portal_detail_query_count(customer_client, customer_user, agent, django_assert_max_num_queries):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tickets.services import ticket_customer_message, ticket_reply

    ticket = own_ticket(customer_user)
    for n in range(6):
        ticket_reply(ticket=ticket, by=agent, body=f"Reply {n}")
        ticket_customer_message(
            ticket=ticket, body=f"Answer {n}", attachments=[SimpleUploadedFile(f"f{n}.txt", b"x")]
        )
    with django_assert_max_num_queries(10):
        response = customer_client.get(reverse("portal:ticket_detail", args=[ticket.pk]))
    assert response.content.decode().count("portal-message-agent") == 6
