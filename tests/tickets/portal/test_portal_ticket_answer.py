import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tickets.models import Message, Ticket
from tickets.services import ticket_reply, ticket_set_status

from .conftest import own_ticket

pytestmark = pytest.mark.django_db


def test_portal_answer_adds_customer_message_with_attachment(customer_client, customer_user):
    ticket = own_ticket(customer_user)
    upload = SimpleUploadedFile("log.txt", b"error 42")
    response = customer_client.post(
        reverse("portal:ticket_answer", args=[ticket.pk]),
        {"body": "Here is the log", "attachments": [upload]},
    )
    assert response.status_code == 302
    message = ticket.messages.order_by("pk").last()
    assert message.sender == Message.Sender.CUSTOMER
    assert message.channel == Ticket.Channel.PORTAL
    assert message.attachments.get().filename == "log.txt"


def test_portal_answer_reopens_solved_ticket(customer_client, customer_user, agent):
    ticket = own_ticket(customer_user)
    ticket_reply(ticket=ticket, by=agent, body="Try again")
    ticket_set_status(ticket=ticket, status=Ticket.Status.SOLVED, by=agent)
    customer_client.post(reverse("portal:ticket_answer", args=[ticket.pk]), {"body": "Did not work"})
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN


def test_portal_answer_on_closed_ticket_is_refused(customer_client, customer_user, agent):
    ticket = own_ticket(customer_user)
    ticket_set_status(ticket=ticket, status=Ticket.Status.CLOSED, by=agent)
    response = customer_client.post(reverse("portal:ticket_answer", args=[ticket.pk]), {"body": "Hello?"})
    assert response.status_code == 400
    assert "closed" in response.content.decode()
    assert ticket.messages.count() == 1


def test_portal_answer_empty_is_a_form_error(customer_client, customer_user):
    ticket = own_ticket(customer_user)
    response = customer_client.post(reverse("portal:ticket_answer", args=[ticket.pk]), {"body": ""})
    assert response.status_code == 400
    assert ticket.messages.count() == 1


def test_portal_answer_get_is_not_allowed(customer_client, customer_user):
    ticket = own_ticket(customer_user)
    assert customer_client.get(reverse("portal:ticket_answer", args=[ticket.pk])).status_code == 405


def test_portal_conversation_cleans_stored_html_again_on_display(customer_client, customer_user):
    """Bodies are sanitised when stored; a row written before that (or around the services) is
    still drawn inert, as the agent workspace draws it."""
    ticket = own_ticket(customer_user)
    Message.objects.filter(ticket=ticket).update(
        body_html='<p>Hello</p><script>alert(1)</script><img src=x onerror="alert(2)">'
    )
    html = customer_client.get(reverse("portal:ticket_detail", args=[ticket.pk])).text
    body = html.split('class="portal-message-body', 1)[1].split("</div>", 1)[0]
    assert "<p>Hello</p>" in body
    assert "<script" not in body and "onerror" not in body
