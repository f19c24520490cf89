import pytest
from django.urls import reverse

from lifecycle.models import Customer
from tests.factories import CustomerFactory, TicketFactory
from tickets.services import ticket_note, ticket_reply, ticket_system_message

from .conftest import own_ticket

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["portal:home", "portal:ticket_new"])
def test_portal_anonymous_is_sent_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", ["portal:home", "portal:ticket_new"])
def test_portal_staff_get_403(client, agent, name):
    client.force_login(agent)
    assert client.get(reverse(name)).status_code == 403


def test_portal_staff_get_403_on_a_ticket(client, manager, customer_user):
    ticket = own_ticket(customer_user)
    client.force_login(manager)
    assert client.get(reverse("portal:ticket_detail", args=[ticket.pk])).status_code == 403


def test_portal_customer_login_lands_in_portal(client, customer_user):
    from tests.factories import PASSWORD

    response = client.post(
        reverse("accounts:login"), {"username": "customer_a", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("portal:home")


def test_portal_other_customers_ticket_answers_404(customer_client, other_customer_user):
    theirs = own_ticket(other_customer_user, subject="Their secret")
    assert customer_client.get(reverse("portal:ticket_detail", args=[theirs.pk])).status_code == 404
    response = customer_client.post(reverse("portal:ticket_answer", args=[theirs.pk]), {"body": "hi"})
    assert response.status_code == 404
    assert (
        customer_client.post(reverse("portal:ticket_rate", args=[theirs.pk]), {"score": 5}).status_code == 404
    )
    assert "Their secret" not in customer_client.get(reverse("portal:home")).content.decode()


def test_portal_list_shows_only_own_tickets(customer_client, customer_user):
    own_ticket(customer_user, subject="Mine")
    TicketFactory(subject="Someone else's")
    page = customer_client.get(reverse("portal:home")).content.decode()
    assert "Mine" in page
    assert "Someone else" not in page


def test_portal_shows_merged_customers_tickets(customer_client, customer_user):
    old = CustomerFactory(email="old-address@example.test")
    ticket = TicketFactory(customer_email="old-address@example.test", subject="From my old address")
    Customer.objects.filter(pk=old.pk).update(merged_into=customer_user.customer)
    assert "From my old address" in customer_client.get(reverse("portal:home")).content.decode()
    assert customer_client.get(reverse("portal:ticket_detail", args=[ticket.pk])).status_code == 200


def test_portal_never_shows_notes_or_system_messages(customer_client, customer_user, agent):
    ticket = own_ticket(customer_user)
    ticket_reply(ticket=ticket, by=agent, body="Public answer for you")
    ticket_note(ticket=ticket, by=agent, body="Internal: customer is grumpy")
    ticket_system_message(ticket=ticket, body="Rule fired: escalate")
    page = customer_client.get(reverse("portal:ticket_detail", args=[ticket.pk])).content.decode()
    assert "Public answer for you" in page
    assert "Internal" not in page
    assert "Rule fired" not in page


def test_portal_never_shows_lifecycle_data(customer_client, customer_user):
    Customer.objects.filter(pk=customer_user.customer.pk).update(
        stage="at_risk", churn_risk_score=0.93, churn_risk_reasons=["angry-tickets"]
    )
    ticket = own_ticket(customer_user)
    for url in (reverse("portal:home"), reverse("portal:ticket_detail", args=[ticket.pk])):
        page = customer_client.get(url).content.decode()
        assert "angry-tickets" not in page
        assert "0.93" not in page
        assert "at_risk" not in page and "At risk" not in page
