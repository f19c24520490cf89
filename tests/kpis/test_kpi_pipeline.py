import threading
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from kpis.models import KpiCursor, TicketFact, WorkTicket
from kpis.services import kpis_catch_up, kpis_recompute
from kpis.tasks import kpis_catch_up_task, kpis_recompute_recent_task
from lifecycle.models import Customer
from tests.factories import CustomerFactory
from tickets.models import TicketEvent

from . import builders
from .tables import derived_state


def facts() -> list[dict]:
    return list(TicketFact.objects.order_by("ticket_id").values())


@pytest.fixture
def history(db, agent):
    now = timezone.now()
    customer = CustomerFactory()
    made = []
    for i in range(4):
        t = builders.ticket(customer=customer, created_at=now - timedelta(days=i, hours=2), type="complaint")
        builders.message(t, at=t.created_at + timedelta(minutes=3), author=agent)
        builders.status(t, "solved", t.created_at + timedelta(hours=1))
        made.append(t)
    builders.rate(made[0], 1, now)
    return made


def test_catch_up_processes_each_event_once(history):
    first = kpis_catch_up()
    assert first.events == TicketEvent.objects.count()
    assert kpis_catch_up().events == 0
    assert KpiCursor.objects.get(stream="ticket_event").last_id == TicketEvent.objects.latest("pk").pk


def test_catch_up_equals_full_recompute(history, agent):
    kpis_catch_up()
    builders.status(history[1], "open", timezone.now())
    builders.message(history[2], at=timezone.now(), author=agent)
    builders.change(history[3], "assignee", None, timezone.now())
    kpis_catch_up()
    incremental = derived_state()
    kpis_recompute()
    assert derived_state() == incremental
    assert TicketFact.objects.get(ticket_id=history[1].pk).reopened is True


def test_catch_up_revisits_an_id_committed_late(history):
    late = TicketEvent.objects.create(ticket=history[2], kind="status", before="solved", after="open")
    values = {f.attname: getattr(late, f.attname) for f in TicketEvent._meta.concrete_fields}
    late.delete()
    # An event after the missing id is seen first, as when the earlier transaction commits later.
    builders.message(history[3], at=timezone.now())
    kpis_catch_up()
    assert str(values["id"]) in KpiCursor.objects.get(stream="ticket_event").gaps
    TicketEvent.objects.create(**values)
    kpis_catch_up()
    assert TicketFact.objects.get(ticket_id=history[2].pk).status == "open"
    assert KpiCursor.objects.get(stream="ticket_event").gaps == {}


def test_churn_risk_is_handed_to_lifecycle(history):
    kpis_catch_up()
    customer = Customer.objects.get(pk=history[0].customer_id)
    assert customer.churn_risk_score > 0.5
    assert "1 low satisfaction rating(s)" in customer.churn_risk_reasons
    assert "4 complaint(s)" in customer.churn_risk_reasons


def test_recompute_kpis_command_full_and_ranged(history, capsys):
    call_command("recompute_kpis")
    assert "Recomputed 4 tickets" in capsys.readouterr().out
    day = timezone.localdate()
    call_command("recompute_kpis", "--from", (day - timedelta(days=1)).isoformat(), "--to", day.isoformat())
    assert len(facts()) == 4


@pytest.mark.parametrize("args", [["--from", "yesterday"], ["--from", "2025-02-01", "--to", "2025-01-01"]])
def test_recompute_kpis_command_rejects_bad_dates(db, args):
    with pytest.raises(CommandError):
        call_command("recompute_kpis", *args)


def test_tasks_run_the_pipeline(history):
    assert kpis_catch_up_task.delay().get() == TicketEvent.objects.count()
    assert kpis_recompute_recent_task.delay().get() == 4


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_give_the_result_of_one(postgres, agent):
    now = timezone.now()
    customer = CustomerFactory()
    for i in range(30):
        t = builders.ticket(customer=customer, created_at=now - timedelta(hours=i))
        builders.message(t, at=t.created_at + timedelta(minutes=i), author=agent)
        if i % 3:
            builders.status(t, "solved", t.created_at + timedelta(hours=2))
    errors = []

    def worker():
        try:
            kpis_catch_up()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    concurrent = facts()
    kpis_recompute()
    assert facts() == concurrent
    assert len(concurrent) == 30


def prepared_at() -> dict[str, object]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, prepare_time FROM pg_prepared_statements WHERE name LIKE 'kpis_%%'")
        return dict(cursor.fetchall())


def test_ranged_recompute_plans_apart_from_the_catch_up(history, postgres):
    """A plan made for a one-ticket catch-up would crawl through a range, and the reverse."""
    kpis_catch_up()
    builders.status(history[0], "open", timezone.now())
    kpis_catch_up()
    catch_up = prepared_at()
    day = timezone.localdate()
    kpis_recompute(date_from=day - timedelta(days=5), date_to=day)
    ranged = prepared_at()
    builders.status(history[1], "open", timezone.now())
    kpis_catch_up()
    again = prepared_at()
    assert catch_up and ranged and again
    assert min(ranged.values()) > max(catch_up.values())
    assert min(again.values()) > max(ranged.values())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the planner on PostgreSQL")
def test_a_large_scope_leaves_no_pages_behind_for_the_next_small_one(db):
    """After a big scope, the planner must still see the work table as small: sized by pages left
    behind by a DELETE, every one-ticket update was planned for thousands of ids (5 s, not 8 ms)."""
    from kpis.pipeline import tickets as ticket_tables
    from kpis.pipeline.sql import TRUNCATE_FROM_ROWS, empty_counting

    def planned_rows() -> float:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (FORMAT JSON) SELECT ticket_id FROM kpis_workticket")
            return cursor.fetchone()[0][0]["Plan"]["Plan Rows"]

    ticket_tables.scope_add_ids(set(range(1, 5 * TRUNCATE_FROM_ROWS)))
    assert planned_rows() > 2 * TRUNCATE_FROM_ROWS
    assert empty_counting("kpis_workticket") == 5 * TRUNCATE_FROM_ROWS - 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_relation_size('kpis_workticket')")
        assert cursor.fetchone()[0] == 0
    ticket_tables.scope_add_ids({42})  # the next run's one ticket
    assert planned_rows() < 500
    # A small scope is simply deleted.
    assert empty_counting("kpis_workticket") == 1
    assert not WorkTicket.objects.exists()
