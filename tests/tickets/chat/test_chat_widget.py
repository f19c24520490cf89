import pytest
from django.urls import reverse

from tickets.models import ConversationLink, Message, Ticket
from tickets.services import ticket_note, ticket_reply

pytestmark = pytest.mark.django_db
URL = "/portal/chat/messages/"


def test_chat_widget_visitor_message_opens_chat_ticket(client):
    response = client.post(
        URL, {"text": "Do you ship to Haifa?", "name": "Avi", "email": "avi@example.test", "key": "k1"}
    )
    assert response.status_code == 201
    ticket = Ticket.objects.get()
    assert ticket.channel == Ticket.Channel.CHAT
    assert ticket.requester_email == "avi@example.test"
    assert ConversationLink.objects.get().channel == "chat"


def test_chat_widget_visitor_needs_name_and_email(client):
    response = client.post(URL, {"text": "hello"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"name", "email"}
    assert not Ticket.objects.exists()


def test_chat_widget_signed_in_customer_chats_as_themselves(client, customer_user):
    client.force_login(customer_user)
    assert client.post(URL, {"text": "Hi, it's me"}).status_code == 201
    assert Ticket.objects.get().customer == customer_user.customer


def test_chat_widget_session_is_one_conversation(client):
    visitor = {"name": "Avi", "email": "avi@example.test"}
    client.post(URL, {"text": "one", "key": "a", **visitor})
    client.post(URL, {"text": "two", "key": "b", **visitor})
    assert Ticket.objects.count() == 1
    assert Message.objects.count() == 2


def test_chat_widget_retry_with_same_key_stores_once(client):
    visitor = {"name": "Avi", "email": "avi@example.test", "key": "same"}
    client.post(URL, {"text": "one", **visitor})
    client.post(URL, {"text": "one", **visitor})
    assert Message.objects.count() == 1


def test_chat_widget_shows_agent_replies_but_not_notes(client, agent):
    client.post(URL, {"text": "Hello", "name": "Avi", "email": "avi@example.test"})
    ticket = Ticket.objects.get()
    first_id = ticket.messages.get().pk
    ticket_reply(ticket=ticket, by=agent, body="Yes we do!")
    ticket_note(ticket=ticket, by=agent, body="secret note")
    messages = client.get(URL, {"after": first_id}).json()["messages"]
    assert [(m["from"], m["text"]) for m in messages] == [("agent", "Yes we do!")]


def test_chat_widget_other_session_sees_nothing(client, agent):
    client.post(URL, {"text": "Hello", "name": "Avi", "email": "avi@example.test"})
    from django.test import Client

    assert Client().get(URL).json() == {"messages": []}


def test_chat_widget_staff_get_403(client, agent):
    client.force_login(agent)
    assert client.post(URL, {"text": "hi"}).status_code == 403
    assert client.get(URL).status_code == 403


def test_chat_widget_needs_csrf(customer_user):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(URL, {"text": "x", "name": "A", "email": "a@example.test"}).status_code == 403


def test_chat_widget_rate_limited(client, monkeypatch):
    from tickets.chat import widget

    monkeypatch.setattr(widget, "POSTS_PER_WINDOW", 2)
    visitor = {"name": "Avi", "email": "avi@example.test"}
    codes = [client.post(URL, {"text": f"m{n}", "key": str(n), **visitor}).status_code for n in range(3)]
    assert codes == [201, 201, 429]


def test_chat_widget_history_query_count(client, agent, django_assert_max_num_queries):
    client.post(URL, {"text": "Hello", "name": "Avi", "email": "avi@example.test"})
    ticket = Ticket.objects.get()
    for n in range(12):
        ticket_reply(ticket=ticket, by=agent, body=f"Reply {n}")
    with django_assert_max_num_queries(5):
        messages = client.get(URL).json()["messages"]
    assert len(messages) == 13


def test_chat_demo_page_embeds_widget(client):
    page = client.get(reverse("portal:chat_demo")).content.decode()
    assert "data-chat-widget" in page
    assert "chat-widget.js" in page


def test_an_anonymous_visitor_typing_a_known_customers_address_gets_a_chat_of_their_own(client, agent):
    from lifecycle.models import TouchpointEvent
    from tests.factories import CustomerFactory

    ada = CustomerFactory(display_name="Ada Lovelace", email="ada@example.test")
    response = client.post(
        URL, {"text": "What card is on my account?", "name": "Ada", "email": "ada@example.test"}
    )
    assert response.status_code == 201
    ticket = Ticket.objects.get()
    # Not filed under Ada: anyone could type her address.
    assert ticket.customer != ada
    assert ticket.requester_email.endswith(".chat.invalid")
    assert not TouchpointEvent.objects.filter(customer=ada).exists()
    link = ConversationLink.objects.get()
    assert (link.claimed_email, link.email_verified) == ("ada@example.test", False)
    # The agent sees the claim, whose address it is, and what to do.
    client.force_login(agent)
    page = client.get(reverse("tickets:detail", args=[ticket.reference])).content.decode()
    assert "Address not verified" in page
    assert reverse("lifecycle:customer_detail", args=[ada.pk]) in page
    assert f"merge this chat's customer (#{ticket.customer_id})" in page


def test_an_anonymous_visitor_with_a_new_address_is_created_but_marked_unverified(client, agent):
    client.post(URL, {"text": "Hello", "name": "Avi", "email": "avi@example.test"})
    ticket = Ticket.objects.get()
    assert ticket.requester_email == "avi@example.test"
    client.force_login(agent)
    page = client.get(reverse("tickets:detail", args=[ticket.reference])).content.decode()
    assert "Address not verified" in page and "merge this chat" not in page


def test_a_signed_in_customer_is_verified_and_the_page_shows_no_claim(client, customer_user, agent):
    client.force_login(customer_user)
    client.post(URL, {"text": "Hi, it's me"})
    link = ConversationLink.objects.get()
    assert link.email_verified and link.claimed_email == ""
    ticket = Ticket.objects.get()
    client.force_login(agent)
    assert (
        "Address not verified"
        not in client.get(reverse("tickets:detail", args=[ticket.reference])).content.decode()
    )
