from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from helpdesk.roles import AGENT
from lifecycle.models import Customer, Stage, TouchpointEvent
from tests.factories import CustomerFactory, SLAPolicyFactory, TeamFactory, staff_user
from tickets.models import Message, Ticket, TicketEvent
from tickets.services import ticket_create

pytestmark = pytest.mark.django_db


def test_ticket_create_inbound_records_created_then_message():
    agent = staff_user(AGENT)
    team = TeamFactory()
    ticket = ticket_create(
        subject="Cannot log in",
        body="Hello, it fails.",
        customer_email="Someone@Example.test",
        customer_name="Some One",
        team=team,
        assignee=agent,
        tags=["Billing", "vip customer"],
    )
    created, message_event = TicketEvent.objects.filter(ticket=ticket).order_by("pk")
    assert created.kind == TicketEvent.Kind.CREATED
    assert created.after == {
        "status": "new",
        "priority": "normal",
        "channel": "email",
        "direction": "inbound",
        "team": team.pk,
        "assignee": agent.pk,
        "type": "question",
        "tags": ["billing", "vip-customer"],
    }
    assert created.occurred_at == ticket.created_at
    message = ticket.messages.get()
    assert message_event.kind == TicketEvent.Kind.MESSAGE
    assert message_event.message == message
    assert message_event.after == {"kind": "public", "sender": "customer"}
    assert (message.kind, message.sender, message.author) == ("public", "customer", None)
    assert message.body_html == "<p>Hello, it fails.</p>"
    assert ticket.requester_email == "someone@example.test"
    assert ticket.customer.display_name == "Some One"
    assert ticket.first_public_reply_at is None
    assert ticket.last_message_at == ticket.created_at
    assert ticket.reference == f"HD-{ticket.pk}"


def test_ticket_create_stores_stage_before_the_support_touchpoint():
    customer = CustomerFactory(email="paying@example.test", stage=Stage.CONVERSION)
    ticket = ticket_create(subject="Hi", body="Hello", customer_email="paying@example.test")
    assert ticket.customer == customer
    assert ticket.customer_stage_at_open == Stage.CONVERSION
    touchpoint = TouchpointEvent.objects.get(customer=customer)
    assert touchpoint.type == "support_ticket"
    assert touchpoint.idempotency_key == f"ticket:{ticket.pk}"
    assert touchpoint.occurred_at == ticket.created_at


def test_ticket_create_unknown_customer_has_no_stage_at_open():
    ticket = ticket_create(subject="Hi", body="Hello", customer_email="new@example.test")
    assert ticket.customer_stage_at_open is None
    assert Customer.objects.filter(emails__address="new@example.test").count() == 1


def test_ticket_create_outbound_first_message_is_the_agents_public_reply():
    agent = staff_user(AGENT)
    ticket = ticket_create(
        subject="Your renewal",
        body="Hi, your plan renews soon.",
        customer_email="c@example.test",
        direction="outbound",
        channel="phone",
        by=agent,
    )
    message = ticket.messages.get()
    assert message.is_public_agent_reply
    assert message.author == agent
    assert ticket.first_public_reply_at == ticket.created_at
    assert TicketEvent.objects.get(ticket=ticket, kind="created").actor == agent


def test_ticket_create_outbound_without_agent_is_refused():
    with pytest.raises(ValidationError):
        ticket_create(subject="x", body="y", customer_email="c@example.test", direction="outbound")
    assert not Ticket.objects.exists()


def test_ticket_create_solved_sets_solved_at_without_status_event():
    at = timezone.now() - timedelta(days=3)
    ticket = ticket_create(
        subject="Old", body="Imported", customer_email="c@example.test", status="solved", created_at=at
    )
    assert ticket.solved_at == at
    assert not TicketEvent.objects.filter(ticket=ticket, kind="status").exists()
    assert TicketEvent.objects.get(ticket=ticket, kind="created").after["status"] == "solved"


def test_ticket_create_computes_sla_due_times_from_the_policy():
    SLAPolicyFactory(priority="high", first_response_minutes=60, resolution_minutes=480)
    ticket = ticket_create(subject="Down", body="All down", customer_email="c@example.test", priority="high")
    assert ticket.first_response_due_at == ticket.created_at + timedelta(minutes=60)
    assert ticket.resolution_due_at == ticket.created_at + timedelta(minutes=480)


def test_ticket_create_outbound_has_no_first_response_target():
    SLAPolicyFactory(priority="normal")
    agent = staff_user(AGENT)
    ticket = ticket_create(
        subject="x", body="y", customer_email="c@example.test", direction="outbound", by=agent
    )
    assert ticket.first_response_due_at is None
    assert ticket.resolution_due_at is not None


def test_ticket_create_without_policy_has_no_due_times():
    ticket = ticket_create(subject="x", body="y", customer_email="c@example.test")
    assert ticket.first_response_due_at is None
    assert ticket.resolution_due_at is None


@pytest.mark.parametrize(
    "field, value",
    [
        ("channel", "fax"),
        ("direction", "sideways"),
        ("priority", "meh"),
        ("type", "rant"),
        ("status", "gone"),
    ],
)
def test_ticket_create_unknown_choice_is_refused(field, value):
    with pytest.raises(ValidationError):
        ticket_create(subject="x", body="y", customer_email="c@example.test", **{field: value})
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("email", ["", "not-an-address", "a@b@c"])
def test_ticket_create_bad_email_is_refused(email):
    with pytest.raises(ValidationError):
        ticket_create(subject="x", body="y", customer_email=email)


def test_ticket_create_empty_subject_or_body_is_refused():
    with pytest.raises(ValidationError):
        ticket_create(subject=" \x00 ", body="y", customer_email="c@example.test")
    with pytest.raises(ValidationError):
        ticket_create(subject="x", body="   ", customer_email="c@example.test")
    assert not Ticket.objects.exists()


def test_ticket_create_assignee_must_be_an_agent(customer_user):
    with pytest.raises(ValidationError):
        ticket_create(subject="x", body="y", customer_email="c@example.test", assignee=customer_user)


def test_ticket_create_message_stamped_before_creation_is_stored_at_creation():
    ticket = ticket_create(subject="x", body="y", customer_email="c@example.test")
    assert Message.objects.get(ticket=ticket).created_at == ticket.created_at


def test_ticket_create_redelivered_message_opens_nothing_new():
    first = ticket_create(
        subject="Hi", body="Hello", customer_email="c@example.test", external_message_id="<x@y>"
    )
    events = TicketEvent.objects.count()
    again = ticket_create(
        subject="Hi", body="Hello", customer_email="c@example.test", external_message_id="<x@y>"
    )
    assert again == first
    assert Ticket.objects.count() == 1
    assert TicketEvent.objects.count() == events
    assert TouchpointEvent.objects.count() == 1


def test_ticket_create_for_a_known_address_keeps_its_customer_and_ignores_the_name():
    known = CustomerFactory(email="ann@example.test", display_name="Ann")
    ticket = ticket_create(subject="Hi", body="x", customer_email="ANN@example.test", customer_name="Other")
    assert ticket.customer == known and ticket.customer.display_name == "Ann"
    assert Customer.objects.count() == 1


def test_ticket_create_for_an_address_left_on_a_merged_customer_opens_for_the_survivor():
    survivor = CustomerFactory()
    merged = CustomerFactory(email="old@example.test")
    Customer.objects.filter(pk=merged.pk).update(merged_into=survivor)
    ticket = ticket_create(subject="Hi", body="x", customer_email="old@example.test")
    assert ticket.customer == survivor
    assert TouchpointEvent.objects.get(data__ticket=ticket.pk).customer == survivor


@pytest.mark.parametrize("direction", ["inbound", "outbound"])
def test_ticket_create_stores_the_first_message_times_with_the_row(direction):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        ticket = ticket_create(
            subject="Hi", body="x", customer_email="c@example.test", direction=direction, by=staff_user(AGENT)
        )
    updates = [q["sql"] for q in captured.captured_queries if q["sql"].startswith('UPDATE "tickets_ticket"')]
    # Inbound: the row is written once; an outbound ticket's first reply time is set by message_add.
    assert len(updates) == (direction == "outbound")
    stored = Ticket.objects.get(pk=ticket.pk)
    message = stored.messages.get()
    assert stored.last_message_at == message.created_at == stored.created_at == stored.updated_at
    assert stored.first_public_reply_at == (message.created_at if direction == "outbound" else None)


def test_ticket_create_for_a_known_address_reads_the_customer_once():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    known = CustomerFactory(email="ann@example.test")
    ticket_create(subject="First", body="x", customer_email="ann@example.test")
    with CaptureQueriesContext(connection) as captured:
        ticket = ticket_create(subject="Second", body="x", customer_email="ann@example.test")
    reads = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT")]
    assert len([sql for sql in reads if 'FROM "lifecycle_customer"' in sql]) == 1
    assert (
        ticket.customer == known and ticket.customer_stage_at_open == Customer.objects.get(pk=known.pk).stage
    )
    assert TouchpointEvent.objects.filter(customer=known, type="support_ticket").count() == 2
