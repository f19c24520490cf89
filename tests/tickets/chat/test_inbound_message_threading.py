import pytest

from tickets.models import ConversationLink, Message, Ticket
from tickets.services import ticket_reply, ticket_set_status

from .conftest import payload

pytestmark = pytest.mark.django_db
URL = "/inbound/messages/"


def test_inbound_message_first_opens_social_ticket(api):
    response = api.post(URL, payload(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    ticket = Ticket.objects.get(pk=body["conversation"]["ticket"]["id"])
    assert ticket.channel == Ticket.Channel.SOCIAL
    assert ticket.subject == "My parcel has not arrived."
    assert body["created"] is True
    assert ticket.messages.get().sender == Message.Sender.CUSTOMER
    assert ticket.customer.emails.get().address.endswith("@whatsapp.chat.invalid")


def test_inbound_message_web_chat_maps_to_chat_channel(api):
    response = api.post(
        URL, payload(channel="chat", sender={"id": "s1", "email": "ana@example.com"}), format="json"
    )
    ticket = Ticket.objects.get(pk=response.json()["conversation"]["ticket"]["id"])
    assert ticket.channel == Ticket.Channel.CHAT
    assert ticket.requester_email == "ana@example.com"


def test_inbound_message_same_conversation_threads_into_one_ticket(api):
    api.post(URL, payload(), format="json")
    response = api.post(URL, payload(text="Any news?", idempotency_key="key-2"), format="json")
    assert response.status_code == 201
    assert Ticket.objects.count() == 1
    assert Ticket.objects.get().messages.count() == 2


def test_inbound_message_other_conversation_opens_another_ticket(api):
    api.post(URL, payload(), format="json")
    api.post(URL, payload(conversation_id="wa-2", idempotency_key="key-2"), format="json")
    assert Ticket.objects.count() == 2


def test_inbound_message_reopens_solved_ticket(api, agent):
    api.post(URL, payload(), format="json")
    ticket = Ticket.objects.get()
    ticket_reply(ticket=ticket, by=agent, body="It ships today.")
    ticket_set_status(ticket=ticket, status=Ticket.Status.SOLVED, by=agent)
    api.post(URL, payload(text="Still nothing.", idempotency_key="key-2"), format="json")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    assert Ticket.objects.count() == 1


def test_inbound_message_after_closed_opens_new_ticket(api, agent):
    api.post(URL, payload(), format="json")
    first = Ticket.objects.get()
    ticket_set_status(ticket=first, status=Ticket.Status.CLOSED, by=agent)
    response = api.post(URL, payload(text="Hello again", idempotency_key="key-2"), format="json")
    second_id = response.json()["conversation"]["ticket"]["id"]
    assert second_id != first.pk
    assert ConversationLink.objects.get().ticket_id == second_id
    assert first.messages.count() == 1


def test_inbound_message_url_attachment_stored_as_link(api):
    data = payload(attachments=[{"url": "https://cdn.example.com/p/1.jpg"}])
    api.post(URL, data, format="json")
    message = Message.objects.get()
    assert 'href="https://cdn.example.com/p/1.jpg"' in message.body_html
    assert "https://cdn.example.com/p/1.jpg" in message.body_text
    assert not message.attachments.exists()


def test_inbound_message_base64_attachment_stored_as_file(api):
    data = payload(attachments=[{"data": "aGVsbG8gd29ybGQ=", "filename": "note.txt"}])
    assert api.post(URL, data, format="json").status_code == 201
    attachment = Message.objects.get().attachments.get()
    assert attachment.filename == "note.txt"
    assert attachment.size == 11
    assert attachment.content_type == "text/plain"
