"""Seeding in several processes (PostgreSQL) writes exactly what one process writes."""

from datetime import UTC, datetime

import pytest
from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import TextField
from django.db.models.functions import Cast

from helpdesk.management.commands import seed_demo
from helpdesk.seeding import Seeder, seed_steps
from helpdesk.seeding import lifecycle as seed_lifecycle
from helpdesk.seeding import tickets as seed_tickets
from lifecycle.models import Customer, StageChange, TouchpointEvent
from tickets.models import Message, SatisfactionRating, SearchDocument, Ticket, TicketEvent

pytestmark = pytest.mark.django_db(transaction=True)
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


class _RolledBack(Exception):
    pass


def _restart_sequences() -> None:
    """Every table's id sequence continues from its largest id, so two runs get the same ids."""
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), apps.get_models()):
            cursor.execute(statement)


def _indexes() -> set[tuple[str, str]]:
    tables = [model._meta.db_table for model in seed_tickets.HISTORY_TABLES]
    with connection.cursor() as cursor:
        # By name and table: PostgreSQL may print a rebuilt index's WHERE clause differently
        # (casts written out), though it is the same index.
        cursor.execute("SELECT tablename, indexname FROM pg_indexes WHERE tablename = ANY(%s)", [tables])
        return set(cursor.fetchall())


def _snapshot() -> dict:
    concrete = [f.attname for f in Ticket._meta.concrete_fields]
    return {
        "tickets": list(Ticket.objects.order_by("pk").values_list(*concrete)),
        "messages": list(
            Message.objects.order_by("pk").values_list(
                "pk", "ticket_id", "kind", "sender", "author_id", "body_text", "created_at"
            )
        ),
        "events": list(
            TicketEvent.objects.order_by("pk").values_list(
                "pk", "ticket_id", "kind", "actor_id", "before", "after", "message_id", "occurred_at"
            )
        ),
        "ratings": list(SatisfactionRating.objects.order_by("pk").values_list("pk", "ticket_id", "score")),
        "tags": sorted(Ticket.tags.through.objects.values_list("ticket_id", "tag_id")),
        # The tickets' touchpoint ids come from the sequence, in whatever order the processes wrote.
        "touchpoints": sorted(
            TouchpointEvent.objects.values_list("customer_id", "type", "occurred_at", "idempotency_key")
        ),
        "journeys": list(
            TouchpointEvent.objects.exclude(type="support_ticket")
            .order_by("pk")
            .values_list("pk", "type", "value")
        ),
        "search": list(
            SearchDocument.objects.order_by("ticket_id")
            .annotate(text=Cast("document", TextField()))
            .values_list("ticket_id", "text")
        ),
        "customers": list(
            Customer.objects.order_by("pk").values_list(
                "pk", "display_name", "preferred_language", "stage", "stage_since", "last_activity_at"
            )
        ),
        "stage changes": sorted(
            StageChange.objects.values_list("customer_id", "to_stage", "occurred_at", "event_id")
        ),
    }


def _seed(workers: int) -> list[str]:
    lines = []
    seeder = Seeder(tickets=500, customers=80, seed=5, now=NOW, workers=workers, log=lines.append)
    seed_steps(seeder, seed_demo.STEPS)
    return lines


def test_seeding_in_two_processes_writes_what_one_process_writes(postgres, monkeypatch):
    monkeypatch.setattr(seed_tickets, "CHUNK", 120)  # 500 tickets: five chunks, shared by two processes
    monkeypatch.setattr(seed_lifecycle, "CHUNK", 30)  # 80 customers: three chunks
    indexes = _indexes()
    _restart_sequences()
    try:
        with transaction.atomic():  # inside a transaction: one process, indexes kept
            one_process = _seed(workers=2)
            one = _snapshot()
            raise _RolledBack
    except _RolledBack:
        pass
    assert not Ticket.objects.exists()
    _restart_sequences()
    two_processes = _seed(workers=2)
    two = _snapshot()
    built = [line for line in two_processes if "indexes built after the load" in line]
    assert built and not any("indexes built" in line for line in one_process)
    assert len(two["tickets"]) == 500 and len(two["search"]) == 500
    for table in one:
        assert two[table] == one[table], table
    # Every index dropped for the load is back, as it was.
    assert _indexes() == indexes
