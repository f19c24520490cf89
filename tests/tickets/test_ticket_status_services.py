import itertools

import pytest
from django.core.exceptions import ValidationError

from helpdesk.roles import AGENT
from tests.factories import TicketFactory, staff_user
from tickets.models import Ticket, TicketEvent
from tickets.services import TRANSITIONS, ticket_set_status

pytestmark = pytest.mark.django_db
S = Ticket.Status

ALLOWED = {
    ("new", "open"),
    ("new", "pending"),
    ("new", "on_hold"),
    ("new", "solved"),
    ("new", "closed"),
    ("open", "pending"),
    ("open", "on_hold"),
    ("open", "solved"),
    ("open", "closed"),
    ("pending", "open"),
    ("pending", "on_hold"),
    ("pending", "solved"),
    ("pending", "closed"),
    ("on_hold", "open"),
    ("on_hold", "pending"),
    ("on_hold", "solved"),
    ("on_hold", "closed"),
    ("solved", "open"),
    ("solved", "closed"),
}
PAIRS = [(a, b) for a, b in itertools.product(S.values, S.values) if a != b]


def test_ticket_status_transition_table_is_the_documented_one():
    assert {(a, b) for a, targets in TRANSITIONS.items() for b in targets} == ALLOWED


@pytest.mark.parametrize("before, after", PAIRS)
def test_ticket_set_status_transition(before, after):
    agent = staff_user(AGENT)
    ticket = TicketFactory(status=before)
    events_before = TicketEvent.objects.count()
    if (before, after) in ALLOWED:
        ticket_set_status(ticket=ticket, status=after, by=agent)
        ticket.refresh_from_db()
        assert ticket.status == after
        event = TicketEvent.objects.get(ticket=ticket, kind="status")
        assert (event.before, event.after, event.actor) == (before, after, agent)
        assert ticket.updated_at == event.occurred_at
    else:
        with pytest.raises(ValidationError):
            ticket_set_status(ticket=ticket, status=after, by=agent)
        ticket.refresh_from_db()
        assert ticket.status == before
        assert TicketEvent.objects.count() == events_before


@pytest.mark.parametrize("status", S.values)
def test_ticket_set_status_same_value_records_nothing(status):
    ticket = TicketFactory(status=status)
    solved_at = ticket.solved_at
    count = TicketEvent.objects.count()
    ticket_set_status(ticket=ticket, status=status, by=None)
    assert TicketEvent.objects.count() == count
    ticket.refresh_from_db()
    assert ticket.solved_at == solved_at


def test_ticket_set_status_unknown_value_is_refused(ticket):
    with pytest.raises(ValidationError):
        ticket_set_status(ticket=ticket, status="deleted", by=None)


@pytest.mark.parametrize("unsolved", ["new", "open", "pending", "on_hold"])
@pytest.mark.parametrize("solved", ["solved", "closed"])
def test_ticket_solved_at_set_when_entering_solved_from_unsolved(unsolved, solved):
    ticket = TicketFactory(status=unsolved)
    ticket_set_status(ticket=ticket, status=solved, by=None)
    event = TicketEvent.objects.get(ticket=ticket, kind="status")
    assert ticket.solved_at == event.occurred_at
    ticket.refresh_from_db()
    assert ticket.solved_at == event.occurred_at


def test_ticket_solved_at_unchanged_from_solved_to_closed(ticket):
    ticket_set_status(ticket=ticket, status="solved", by=None)
    solved_at = ticket.solved_at
    ticket_set_status(ticket=ticket, status="closed", by=None)
    ticket.refresh_from_db()
    assert ticket.solved_at == solved_at


def test_ticket_solved_at_cleared_on_reopen_and_set_again(ticket):
    ticket_set_status(ticket=ticket, status="solved", by=None)
    first = ticket.solved_at
    ticket_set_status(ticket=ticket, status="open", by=None)
    ticket.refresh_from_db()
    assert ticket.solved_at is None
    ticket_set_status(ticket=ticket, status="solved", by=None)
    ticket.refresh_from_db()
    assert ticket.solved_at > first
    statuses = list(TicketEvent.objects.filter(ticket=ticket, kind="status").values_list("before", "after"))
    assert statuses == [("new", "solved"), ("solved", "open"), ("open", "solved")]


def test_ticket_set_status_on_a_stale_instance_uses_the_stored_status(ticket):
    stale = Ticket.objects.get(pk=ticket.pk)
    ticket_set_status(ticket=ticket, status="solved", by=None)
    ticket_set_status(ticket=ticket, status="closed", by=None)
    with pytest.raises(ValidationError):
        ticket_set_status(ticket=stale, status="pending", by=None)
    assert stale.status == "closed"
