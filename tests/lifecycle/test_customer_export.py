"""Exporting everything about one customer: complete, theirs only, audited, a fixed number of queries."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditEntry
from lifecycle.models import Customer
from lifecycle.services import customer_export

from .data_rights_world import NOT_EXPORTED, SECRETS, customer_with_everything, support_tickets

pytestmark = pytest.mark.django_db

SECTIONS = {
    "format",
    "exported_at",
    "exported_by",
    "customer",
    "portal_account",
    "emails",
    "phones",
    "external_ids",
    "merged_customers",
    "stage_history",
    "stage_corrections",
    "touchpoints",
    "exit_surveys",
    "emails_sent",
    "tickets",
    "messages_in_other_tickets",
    "raw_emails",
    "portal_sign_in_links",
}


@pytest.fixture
def world(agent, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return customer_with_everything(agent)


def test_export_holds_every_piece_of_their_data(world, manager):
    document = customer_export(customer=world.customer, by=manager)
    assert set(document) == SECTIONS
    text = json.dumps(document)
    assert [s for s in SECRETS if s not in text and s not in NOT_EXPORTED] == []
    assert document["customer"]["organization"] == {"name": "Analytical Engine Ltd", "domain": ""}
    assert document["phones"] == ["+15550100"]
    assert document["external_ids"] == [{"source": "shop", "external_id": "ADA-42"}]
    assert [c["id"] for c in document["merged_customers"]] == [world.duplicate_id]
    assert {e["address"] for e in document["emails"]} == {"ada@example.com", "ada.old@example.com"}
    assert document["portal_account"]["username"] == "ada_portal"
    assert {t["type"] for t in document["touchpoints"]} >= {"purchase", "nps", "support_ticket"}
    assert document["stage_history"] and document["exit_surveys"][0]["comment"] == "Too dear for me, Ada"


def test_export_lists_tickets_with_public_and_internal_messages_and_attachment_metadata(world, manager):
    document = customer_export(customer=world.customer, by=manager)
    assert {t["id"] for t in document["tickets"]} == {t.pk for t in world.tickets}
    ticket = next(t for t in document["tickets"] if t["id"] == world.tickets[1].pk)
    assert [m["kind"] for m in ticket["messages"]] == ["public", "public", "note"]
    assert ticket["rating"]["score"] == 5 and ticket["rating"]["comment"] == "Lovely help, thank you"
    [attachment] = ticket["messages"][0]["attachments"]
    assert (attachment["filename"], attachment["content_type"]) == ("passport-scan.pdf", "application/pdf")
    assert attachment["size"] == len(b"%PDF-1.4 Lovelace")
    assert attachment["download_path"].startswith("/tickets/attachments/")
    chat = next(t for t in document["tickets"] if t["conversations"])
    assert chat["conversations"][0]["sender_id"] == "ada-chat-7"
    assert [r["sender"] for r in document["raw_emails"]] == ["ada@example.com"]


def test_export_holds_nothing_of_other_customers_and_no_sign_in_secrets(world, manager):
    text = json.dumps(customer_export(customer=world.customer, by=manager))
    assert "Bob" not in text and "bob@example.com" not in text
    assert "f" * 64 not in text  # the sign-in link's token hash
    assert "/portal/sign-in/" not in text  # bodies of the emails we sent are left out


def test_export_is_audited(world, manager):
    customer_export(customer=world.customer, by=manager, ip_address="10.0.0.9")
    entry = AuditEntry.objects.get(action=AuditEntry.Action.EXPORT)
    assert (entry.actor, entry.target_type, entry.target_id) == (
        manager,
        "lifecycle.customer",
        str(world.customer.pk),
    )
    assert entry.target_repr == f"Customer #{world.customer.pk}" and entry.ip_address == "10.0.0.9"
    assert entry.details["what"] == "customer data"
    assert entry.details["rows"]["tickets"] == len(world.tickets) and entry.details["rows"]["phones"] == 1


def test_export_of_a_merged_customer_points_to_the_survivor(world, manager):
    with pytest.raises(ValidationError, match=f"merged into customer #{world.customer.pk}"):
        customer_export(customer=Customer.objects.get(pk=world.duplicate_id), by=manager)


def test_export_query_count_does_not_grow_with_tickets(world, agent, manager):
    with CaptureQueriesContext(connection) as few:
        customer_export(customer=world.customer, by=manager)
    support_tickets(agent, count=10, first=2)
    with CaptureQueriesContext(connection) as many:
        document = customer_export(customer=world.customer, by=manager)
    assert len(document["tickets"]) == len(world.tickets) + 10
    assert sum(len(t["messages"]) for t in document["tickets"]) >= 36
    assert len(many) == len(few) <= 25
    tickets = (len(world.tickets), len(document["tickets"]))
    print(f"\nExport: {len(few)} queries for {tickets[0]} tickets, {len(many)} for {tickets[1]}")
