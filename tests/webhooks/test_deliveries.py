import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from lifecycle.models import StageChange
from tests.factories import CustomerFactory
from tickets.models import Message, Ticket, TicketEvent
from webhooks import signing
from webhooks.models import Delivery, EventType
from webhooks.services import (
    MAX_ATTEMPTS,
    backoff,
    deliveries_due,
    deliveries_fan_out,
    delivery_attempt,
    delivery_resend,
    endpoint_create,
)
from webhooks.tasks import webhooks_sweep

pytestmark = pytest.mark.django_db
ALL_EVENTS = list(EventType.values)


def make_ticket() -> Ticket:
    ticket = Ticket.objects.create(subject="Printer on fire", customer=CustomerFactory(display_name="Ana"))
    TicketEvent.objects.create(ticket=ticket, kind=TicketEvent.Kind.CREATED, after={"status": "new"})
    return ticket


def test_events_fan_out_once_per_endpoint_and_type(receiver):
    everything = endpoint_create(url=receiver.url, events=ALL_EVENTS)
    only_created = endpoint_create(url=receiver.url + "2", events=["ticket.created"])
    ticket = make_ticket()
    message = Message.objects.create(
        ticket=ticket, kind="public", sender="customer", body_text="Help", channel="email"
    )
    TicketEvent.objects.create(ticket=ticket, kind=TicketEvent.Kind.MESSAGE, message=message)
    TicketEvent.objects.create(ticket=ticket, kind=TicketEvent.Kind.STATUS, before="new", after="open")
    StageChange.objects.create(
        customer=ticket.customer, to_stage="reach", occurred_at=timezone.now(), cause="event"
    )

    assert deliveries_fan_out() == 5
    assert deliveries_fan_out() == 0  # the cursor moved on: nothing twice
    types = sorted(everything.deliveries.values_list("event_type", flat=True))
    assert types == ["customer.stage_changed", "message.created", "ticket.created", "ticket.updated"]
    assert list(only_created.deliveries.values_list("event_type", flat=True)) == ["ticket.created"]
    updated = everything.deliveries.get(event_type="ticket.updated").payload
    assert updated["data"]["change"] == {"field": "status", "before": "new", "after": "open", "actor": None}
    assert updated["data"]["ticket"]["reference"] == ticket.reference


def test_delivery_is_signed_and_verifiable_by_the_receiver(receiver):
    endpoint = endpoint_create(url=receiver.url, events=["ticket.created"])
    make_ticket()
    assert webhooks_sweep() == 1
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    header = request["headers"]["Helpdesk-Signature"]
    assert signing.verify(secret=endpoint.secret, header=header, body=request["body"])
    assert not signing.verify(secret="wrong", header=header, body=request["body"])
    assert not signing.verify(secret=endpoint.secret, header=header, body=request["body"] + b" ")
    assert not signing.verify(
        secret=endpoint.secret, header=header, body=request["body"], now=int(time.time()) + 600
    )
    assert request["headers"]["Helpdesk-Event"] == "ticket.created"
    assert request["json"]["type"] == "ticket.created"
    assert Delivery.objects.get().state == Delivery.State.SUCCEEDED


def test_failures_retry_with_exponential_backoff_then_give_up(receiver):
    endpoint_create(url=receiver.url, events=["ticket.created"])
    make_ticket()
    deliveries_fan_out()
    delivery = Delivery.objects.get()
    receiver.statuses = [500] * MAX_ATTEMPTS
    for attempt in range(1, MAX_ATTEMPTS + 1):
        before = timezone.now()
        delivery = delivery_attempt(delivery=delivery)
        assert delivery.attempts == attempt
        assert delivery.last_status_code == 500
        if attempt < MAX_ATTEMPTS:
            assert delivery.state == Delivery.State.FAILED
            assert delivery.next_attempt_at >= before + backoff(attempt)
    assert delivery.state == Delivery.State.DEAD
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]


def test_failed_delivery_is_due_again_only_after_its_backoff(receiver):
    endpoint_create(url=receiver.url, events=["ticket.created"])
    make_ticket()
    deliveries_fan_out()
    receiver.statuses = [503]
    delivery = delivery_attempt(delivery=Delivery.objects.get())
    assert deliveries_due() == []
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert deliveries_due() == [delivery.pk]
    assert delivery_attempt(delivery=delivery).state == Delivery.State.SUCCEEDED


def test_unreachable_receiver_is_recorded_not_raised(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    endpoint_create(url="http://127.0.0.1:9/closed", events=["ticket.created"])
    make_ticket()
    deliveries_fan_out()
    delivery = delivery_attempt(delivery=Delivery.objects.get())
    assert delivery.state == Delivery.State.FAILED
    assert "Connection refused" in delivery.last_error or "URLError" in delivery.last_error


def test_resend_sends_a_dead_delivery_again(receiver, django_capture_on_commit_callbacks):
    endpoint_create(url=receiver.url, events=["ticket.created"])
    make_ticket()
    deliveries_fan_out()
    Delivery.objects.update(state=Delivery.State.DEAD, attempts=MAX_ATTEMPTS)
    with django_capture_on_commit_callbacks(execute=True):
        delivery_resend(delivery=Delivery.objects.get())
    assert Delivery.objects.get().state == Delivery.State.SUCCEEDED
    assert len(receiver.requests) == 1


def test_succeeded_delivery_is_not_sent_twice(receiver):
    endpoint_create(url=receiver.url, events=["ticket.created"])
    make_ticket()
    webhooks_sweep()
    delivery_attempt(delivery=Delivery.objects.get())
    assert len(receiver.requests) == 1


def test_inactive_endpoint_gets_nothing(receiver):
    endpoint = endpoint_create(url=receiver.url, events=["ticket.created"])
    endpoint.is_active = False
    endpoint.save()
    make_ticket()
    webhooks_sweep()
    assert receiver.requests == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://localhost:8000/x",
        "http://10.0.0.5/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://0.0.0.0/",
        "ftp://example.com/",
        "http://user:pw@example.com/",
    ],
)
def test_internal_and_odd_targets_are_refused(url, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    with pytest.raises(ValidationError):
        endpoint_create(url=url, events=["ticket.created"])


def test_target_is_checked_again_at_delivery(receiver, settings):
    endpoint_create(url=receiver.url, events=["ticket.created"])
    make_ticket()
    deliveries_fan_out()
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    delivery = delivery_attempt(delivery=Delivery.objects.get())
    assert delivery.state == Delivery.State.FAILED
    assert "refused" in delivery.last_error
    assert receiver.requests == []


def test_unknown_event_types_are_refused(receiver):
    with pytest.raises(ValidationError):
        endpoint_create(url=receiver.url, events=["ticket.deleted"])


def test_embedded_mode_delivers_after_a_write_request(client, agent, receiver, settings):
    settings.EAGER_SWEEPS = ["webhooks.tasks.webhooks_sweep"]
    endpoint_create(url=receiver.url, events=["ticket.created"])
    make_ticket()
    client.force_login(agent)
    client.post("/accounts/logout/")
    assert [r["json"]["type"] for r in receiver.requests] == ["ticket.created"]
