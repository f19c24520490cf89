"""A customer with personal data in every place the models hold it, for the export and erasure tests.

`SECRETS` are strings only this customer's data contains; after erasure none may be left anywhere.
(Their organization stays: it is a company, which other customers may belong to; they leave it.)
"""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from email.message import EmailMessage

from axes.models import AccessAttempt, AccessLog
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from lifecycle.models import Customer, ExitSurvey
from lifecycle.services import (
    customer_external_id_add,
    customer_merge,
    customer_phone_add,
    customer_update,
    exit_survey_answer,
    touchpoint_record,
)
from tests.factories import CustomerFactory, OrganizationFactory, UserFactory
from tickets.channels.email.ingest import email_receive
from tickets.chat.services import InboundChatMessage, chat_message_receive
from tickets.models import PortalMagicLink, Ticket
from tickets.services import ticket_create, ticket_note, ticket_rate, ticket_reply, ticket_set_status
from webhooks.models import Delivery, Endpoint
from webhooks.services import deliveries_fan_out

SECRETS = (
    "Lovelace",
    "ada@example.com",
    "ada.old@example.com",
    "+15550100",
    "ADA-42",
    "ada-chat-7",
    "passport-scan.pdf",
    "4111 1111",
    "order A-1",
    "Too dear for me",
    "Lovely help",
    "ada_portal",
    "Idempotent order 77",
    "echo of Ada 99",
)
# Held about them but not theirs to take away: what a webhook receiver answered us.
NOT_EXPORTED = ("echo of Ada 99",)


@dataclass
class World:
    customer: Customer
    duplicate_id: int
    other: Customer
    tickets: list[Ticket] = field(default_factory=list)


def raw_email(*, sender: str, subject: str, body: str, message_id: str) -> bytes:
    message = EmailMessage()
    message["From"] = f"Ada Lovelace <{sender}>"
    message["To"] = "support@helpdesk.test"
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message.set_content(body)
    return message.as_bytes()


def support_tickets(agent, *, count: int, first: int = 0) -> list[Ticket]:
    """Solved and rated email tickets of Ada's, each with an attachment, a reply and a note."""
    made = []
    for i in range(first, first + count):
        ticket = ticket_create(
            subject=f"Card 4111 1111 declined ({i})",
            body="My card 4111 1111 is declined, Ada Lovelace",
            customer_email="ada@example.com",
            customer_name="Ada Lovelace",
            attachments=[
                SimpleUploadedFile("passport-scan.pdf", b"%PDF-1.4 Lovelace", content_type="application/pdf")
            ],
        )
        ticket_reply(ticket=ticket, by=agent, body="Hello Ada Lovelace, we are on it.")
        ticket_note(ticket=ticket, by=agent, body="Ada Lovelace called about the card 4111 1111")
        ticket_set_status(ticket=ticket, status="solved", by=agent)
        ticket_rate(ticket=ticket, score=5, comment="Lovely help, thank you")
        made.append(ticket)
    return made


def customer_with_everything(agent, *, tickets: int = 2) -> World:
    now = timezone.now()
    user = UserFactory(username="ada_portal", email="ada@example.com", first_name="Ada", last_name="Lovelace")
    customer = CustomerFactory(display_name="Ada Lovelace", email="ada@example.com", user=user)
    customer_update(
        customer=customer,
        organization=OrganizationFactory(name="Analytical Engine Ltd"),
        time_zone="Europe/London",
    )
    customer_phone_add(customer=customer, number="+1 555 0100")
    customer_external_id_add(customer=customer, source="shop", external_id="ADA-42")
    touchpoint_record(
        customer=customer,
        type="purchase",
        occurred_at=now - timedelta(days=3),
        value=Decimal("99.50"),
        data={"note": "order A-1 for ada@example.com"},
    )
    touchpoint_record(customer=customer, type="nps", occurred_at=now - timedelta(days=2), data={"score": 9})
    duplicate = CustomerFactory(display_name="Ada Lovelace (old)", email="ada.old@example.com")
    old_ticket = ticket_create(
        subject="Old account, Lovelace", body="From my old address", customer_email="ada.old@example.com"
    )
    customer_merge(source=duplicate, target=customer, by=agent)

    world = World(
        customer=customer,
        duplicate_id=duplicate.pk,
        other=CustomerFactory(display_name="Bob Other", email="bob@example.com"),
    )
    world.tickets.append(old_ticket)
    Endpoint.objects.create(url="https://hooks.example.com/x", events=["ticket.created", "message.created"])
    world.tickets += support_tickets(agent, count=tickets)
    received = email_receive(
        raw=raw_email(
            sender="ada@example.com",
            subject="Another question, Lovelace",
            body="My card 4111 1111 again",
            message_id="<ada-1@example.com>",
        ),
        source="file",
    )
    world.tickets.append(received.ticket)
    chat, _ = chat_message_receive(
        message=InboundChatMessage(
            channel="chat",
            conversation_id="conv-ada",
            sender_id="ada-chat-7",
            sender_name="Ada Lovelace",
            sender_email="ada@example.com",
            text="Hi, this is Ada Lovelace",
        )
    )
    world.tickets.append(chat.ticket)
    PortalMagicLink.objects.create(
        customer=customer, email="ada@example.com", token_hash="f" * 64, expires_at=now + timedelta(hours=1)
    )
    survey = ExitSurvey.objects.create(customer=customer, churned_at=now, expires_at=now + timedelta(days=30))
    exit_survey_answer(survey=survey, reason="price", comment="Too dear for me, Ada")
    ExitSurvey.objects.create(customer=customer, churned_at=now, expires_at=now + timedelta(days=30))
    # An integration's POST, kept for replay under its Idempotency-Key.
    api = APIClient()
    api.force_authenticate(agent)
    created = api.post(
        "/api/v1/tickets/",
        {"subject": "Idempotent order 77", "body": "Via the shop", "customer_email": "ada@example.com"},
        format="json",
        headers={"Idempotency-Key": "shop-order-77"},
    )
    assert created.status_code == 201, created.content
    world.tickets.append(Ticket.objects.get(pk=created.json()["id"]))
    # A mistyped portal password: the sign-in throttle keeps the name typed.
    seen = {"username": "ada_portal", "ip_address": "192.0.2.7", "user_agent": "Firefox", "attempt_time": now}
    AccessAttempt.objects.create(**seen, post_data="username=ada_portal", failures_since_start=1)
    AccessLog.objects.create(**seen)
    deliveries_fan_out()
    # A receiver that echoes what it was sent.
    Delivery.objects.update(last_status_code=200, last_response='{"received": "echo of Ada 99"}')
    ticket_create(subject="Bob's own question", body="Hello from Bob", customer_email="bob@example.com")
    customer.refresh_from_db()
    return world
