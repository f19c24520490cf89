"""Seeding's rows as COPY text-format lines: written as they are on PostgreSQL, parsed back elsewhere."""

from datetime import UTC, datetime

import pytest

from helpdesk.seeding import Seeder, _rows_from_lines, copy_text
from lifecycle.models import Customer, TouchpointEvent
from tests.factories import CustomerFactory

TRICKY = "tab\there, line\nbreak, back\\slash\\N, carriage\rreturn, ייִדיש, 中文"


def test_copy_text_escapes_what_the_text_format_reserves_and_parsing_restores_it():
    line = f"{copy_text(TRICKY)}\t\\N\t{copy_text('{}')}\n"
    assert "\n" not in line[:-1] and line.count("\t") == 2
    fields = [TouchpointEvent._meta.get_field(name) for name in ("idempotency_key", "value", "data")]
    assert list(_rows_from_lines(fields, [line])) == [[TRICKY, None, "{}"]]


@pytest.mark.django_db
def test_insert_lines_writes_text_nulls_json_and_times_on_this_backend():
    customer: Customer = CustomerFactory()
    seeder = Seeder(tickets=0, customers=1, seed=1)
    line = (
        f"{customer.pk}\tsupport_ticket\t2026-01-02 03:04:05+00:00\thelpdesk\t{copy_text(TRICKY)}\t\\N\t"
        '{"ticket": 7, "channel": "chat"}\t2026-01-02 03:04:06+00:00\n'
    )
    columns = ["customer", "type", "occurred_at", "source", "idempotency_key", "value", "data", "recorded_at"]
    assert seeder.insert_lines(TouchpointEvent, columns, [line]) == 1
    event = TouchpointEvent.objects.get(customer=customer)
    assert event.idempotency_key == TRICKY
    assert event.value is None
    assert event.data == {"ticket": 7, "channel": "chat"}
    assert event.occurred_at == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
