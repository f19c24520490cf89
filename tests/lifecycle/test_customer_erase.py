"""Erasing a customer: every trace of their personal data goes, every row the KPIs count stays."""

import io
import os

import pytest
from axes.models import AccessAttempt, AccessLog
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts.models import AuditEntry
from lifecycle.models import Customer, ExitSurvey, StageChange, TouchpointEvent
from lifecycle.selectors import customer_lookup
from lifecycle.services import (
    customer_email_add,
    customer_erase,
    customer_find_or_create,
    customer_merge,
    customer_update,
)
from mail.models import OutboundEmail
from tests.factories import CustomerFactory
from tickets.models import Attachment, Message, RawEmail, SatisfactionRating, Ticket, TicketEvent
from tickets.services import ticket_create
from webhooks.models import Delivery

from .data_rights_world import SECRETS, customer_with_everything

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(agent, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return customer_with_everything(agent)


def everything_stored() -> str:
    """Every row of every table, as the JSON dumpdata writes."""
    out = io.StringIO()
    call_command("dumpdata", "--exclude=contenttypes", "--exclude=auth.permission", stdout=out)
    return out.getvalue()


def kpi_rows() -> dict:
    return {
        "tickets": list(
            Ticket.objects.order_by("pk").values_list(
                "pk", "customer_id", "status", "channel", "priority", "created_at", "solved_at", "is_spam"
            )
        ),
        "events": list(
            TicketEvent.objects.order_by("pk").values_list("pk", "ticket_id", "kind", "before", "after")
        ),
        "messages": list(
            Message.objects.order_by("pk").values_list("pk", "ticket_id", "kind", "sender", "author_id")
        ),
        "ratings": list(SatisfactionRating.objects.order_by("pk").values_list("pk", "score", "created_at")),
        "stage": list(
            StageChange.objects.order_by("pk").values_list("pk", "customer_id", "to_stage", "occurred_at")
        ),
        "touchpoints": list(
            TouchpointEvent.objects.order_by("pk").values_list("pk", "type", "value", "occurred_at")
        ),
    }


def test_erase_leaves_no_personal_data_anywhere(world, admin_user, django_capture_on_commit_callbacks):
    stored = everything_stored()
    assert all(secret in stored for secret in SECRETS), [s for s in SECRETS if s not in stored]
    files = [a.file.path for a in Attachment.objects.filter(message__ticket__customer=world.customer)]
    assert files and all(os.path.exists(f) for f in files)
    with django_capture_on_commit_callbacks(execute=True):
        customer_erase(customer=world.customer, by=admin_user, reason="Their request of 3 March")
    stored = everything_stored()
    assert [s for s in SECRETS if s in stored] == []
    assert not any(os.path.exists(f) for f in files)


def test_erase_keeps_every_row_the_kpis_count(world, admin_user):
    before = kpi_rows()
    customer_erase(customer=world.customer, by=admin_user, reason="Request")
    assert kpi_rows() == before
    customer = Customer.objects.get(pk=world.customer.pk)
    assert (customer.stage, customer.stage_since) == (world.customer.stage, world.customer.stage_since)


def test_erase_replaces_names_and_text_with_tombstones(world, admin_user):
    customer = customer_erase(customer=world.customer, by=admin_user, reason="Request")
    assert customer.display_name == f"Erased customer #{customer.pk}" and customer.erased_at is not None
    duplicate = Customer.objects.get(pk=world.duplicate_id)
    assert duplicate.display_name == f"Erased customer #{duplicate.pk}" and duplicate.erased_at is not None
    assert customer.organization is None and customer.user is None and not customer.marketing_consent
    ticket = Ticket.objects.get(pk=world.tickets[1].pk)
    assert (ticket.subject, ticket.requester_email) == ("[erased]", "")
    assert set(Message.objects.filter(ticket=ticket).values_list("body_text", flat=True)) == {"[erased]"}
    assert SatisfactionRating.objects.get(ticket=ticket).comment == "[erased]"
    assert not Attachment.objects.filter(message__ticket=ticket).exists()
    raw = RawEmail.objects.get(header_message_id="<ada-1@example.com>")
    assert (bytes(raw.raw), raw.sender, raw.subject) == (b"", "", "[erased]")
    assert TouchpointEvent.objects.get(customer=customer, type="purchase").data == {}
    assert TouchpointEvent.objects.get(customer=customer, type="nps").data == {"score": 9}
    assert set(ExitSurvey.objects.filter(customer=customer).values_list("comment", flat=True)) == {
        "",
        "[erased]",
    }


def test_erase_stops_what_was_still_to_go_out(world, admin_user):
    open_survey = ExitSurvey.objects.get(customer=world.customer, answered_at__isnull=True)
    customer_erase(customer=world.customer, by=admin_user, reason="Request")
    assert not OutboundEmail.objects.filter(state=OutboundEmail.State.QUEUED, to=[]).exists()
    assert OutboundEmail.objects.filter(last_error="Not sent: the recipient was erased.").exists()
    open_survey.refresh_from_db()
    assert open_survey.expires_at <= open_survey.customer.erased_at
    payloads = str(list(Delivery.objects.values_list("payload", flat=True)))
    assert "Lovelace" not in payloads and f"Erased customer #{world.customer.pk}" in payloads


def test_erased_customer_cannot_be_found_and_a_new_email_makes_a_new_customer(world, admin_user):
    customer_erase(customer=world.customer, by=admin_user, reason="Request")
    assert customer_lookup(value="ada@example.com") is None
    assert customer_lookup(value="shop:ADA-42") is None
    assert customer_lookup(value="+15550100") is None
    ticket = ticket_create(subject="Hello again", body="It's me", customer_email="Ada@Example.com")
    assert ticket.customer_id != world.customer.pk
    assert customer_find_or_create(email="ada@example.com") == ticket.customer


def test_erase_disables_and_anonymises_the_portal_login(world, admin_user, client):
    user_id = world.customer.user_id
    client.force_login(world.customer.user)
    assert client.get("/portal/").status_code == 200
    customer_erase(customer=world.customer, by=admin_user, reason="Request")
    assert client.get("/portal/").status_code == 302  # the open session ends
    user = User.objects.get(pk=user_id)
    assert (user.username, user.email, user.first_name, user.is_active) == (
        f"erased-{user_id}",
        "",
        "",
        False,
    )
    assert not user.has_usable_password()
    assert not AuditEntry.objects.filter(actor_name="ada_portal").exists()


def test_erase_is_audited_once_and_is_idempotent(world, admin_user):
    first = customer_erase(customer=world.customer, by=admin_user, reason="Their request")
    again = customer_erase(customer=world.customer, by=admin_user, reason="Twice")
    assert again.erased_at == first.erased_at
    entry = AuditEntry.objects.get(action=AuditEntry.Action.CUSTOMER_ERASED)
    assert (entry.actor, entry.target_id, entry.target_repr) == (
        admin_user,
        str(world.customer.pk),
        f"Customer #{world.customer.pk}",
    )
    assert entry.details["reason"] == "Their request"
    assert entry.details["customers"] == [world.customer.pk, world.duplicate_id]
    erased = entry.details["erased"]
    assert erased["tickets"] == len(world.tickets) and erased["attachments"] == 2
    assert erased["emails"] == 2 and erased["portal_account"] == 1 and erased["webhook_deliveries"] > 0


def test_other_customers_are_untouched(world, admin_user):
    bob_ticket = Ticket.objects.get(customer=world.other)
    customer_erase(customer=world.customer, by=admin_user, reason="Request")
    world.other.refresh_from_db()
    assert world.other.display_name == "Bob Other" and world.other.emails.get().address == "bob@example.com"
    assert Ticket.objects.get(pk=bob_ticket.pk).subject == "Bob's own question"
    assert Message.objects.get(ticket=bob_ticket).body_text == "Hello from Bob"


def test_erase_needs_a_reason_and_the_surviving_customer(world, admin_user):
    with pytest.raises(ValidationError) as error:
        customer_erase(customer=world.customer, by=admin_user, reason="  ")
    assert "reason" in error.value.message_dict
    with pytest.raises(ValidationError, match="merged into customer"):
        customer_erase(customer=Customer.objects.get(pk=world.duplicate_id), by=admin_user, reason="Request")
    assert not Customer.objects.filter(erased_at__isnull=False).exists()


def test_erased_record_takes_no_new_personal_data(world, admin_user, agent):
    customer = customer_erase(customer=world.customer, by=admin_user, reason="Request")
    with pytest.raises(ValidationError, match="was erased"):
        customer_email_add(customer=customer, address="ada@example.com")
    with pytest.raises(ValidationError, match="was erased"):
        customer_update(customer=customer, display_name="Ada Lovelace")
    with pytest.raises(ValidationError, match="was erased"):
        customer_merge(source=CustomerFactory(), target=customer, by=agent)


def test_erased_customer_is_read_only_in_the_admin(world, admin_user, client):
    customer = customer_erase(customer=world.customer, by=admin_user, reason="Request")
    client.force_login(admin_user)
    page = client.get(f"/admin/lifecycle/customer/{customer.pk}/change/")
    assert page.status_code == 200 and not page.context["has_change_permission"]
    assert customer.first_name == ""


def test_a_replayed_api_post_after_erasure_answers_the_same_object_without_personal_data(
    world, admin_user, agent
):
    customer_erase(customer=world.customer, by=admin_user, reason="Their request")
    api = APIClient()
    api.force_authenticate(agent)
    tickets_before = Ticket.objects.count()
    replay = api.post(
        "/api/v1/tickets/",
        {"subject": "Idempotent order 77", "body": "Via the shop", "customer_email": "ada@example.com"},
        format="json",
        headers={"Idempotency-Key": "shop-order-77"},
    )
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"
    body = replay.json()
    assert body["erased"] is True and body["id"] == world.tickets[-1].pk and body["reference"]
    assert "ada@example.com" not in replay.content.decode()
    assert Ticket.objects.count() == tickets_before


def test_sign_in_attempts_no_longer_name_the_portal_login(world, admin_user):
    customer_erase(customer=world.customer, by=admin_user, reason="Their request")
    assert not AccessAttempt.objects.filter(username="ada_portal").exists()
    assert AccessAttempt.objects.get().post_data == ""
    assert not AccessLog.objects.filter(username="ada_portal").exists()
