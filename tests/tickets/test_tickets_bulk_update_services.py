import pytest
from django.core.exceptions import ValidationError

from helpdesk.roles import AGENT
from tests.factories import TicketFactory, staff_user
from tickets.models import Ticket, TicketEvent
from tickets.services import ticket_mark_spam, tickets_bulk_update

pytestmark = pytest.mark.django_db


def test_tickets_bulk_update_applies_each_change_with_events():
    agent = staff_user(AGENT)
    tickets = [TicketFactory(tags=["old"]) for _ in range(3)]
    changed = tickets_bulk_update(
        tickets=tickets,
        by=agent,
        assignee=agent,
        status="pending",
        priority="high",
        add_tags=["New"],
        remove_tags=["old"],
    )
    assert changed == 3
    for ticket in Ticket.objects.all():
        assert (ticket.assignee, ticket.status, ticket.priority) == (agent, "pending", "high")
        assert list(ticket.tags.values_list("name", flat=True)) == ["new"]
        kinds = set(TicketEvent.objects.filter(ticket=ticket, actor=agent).values_list("kind", flat=True))
        assert kinds == {"assignee", "status", "priority", "tags"}


def test_tickets_bulk_update_skips_refused_and_unchanged_tickets():
    agent = staff_user(AGENT)
    fine = TicketFactory()
    closed = TicketFactory(status="closed")
    spam = TicketFactory()
    ticket_mark_spam(ticket=spam, by=agent)
    already = TicketFactory(status="solved")
    changed = tickets_bulk_update(tickets=[fine, closed, spam, already], by=agent, status="solved")
    assert changed == 1
    assert Ticket.objects.get(pk=fine.pk).status == "solved"
    assert Ticket.objects.get(pk=closed.pk).status == "closed"


def test_tickets_bulk_update_refused_ticket_is_skipped_whole():
    agent = staff_user(AGENT)
    solved = TicketFactory(status="solved")
    changed = tickets_bulk_update(tickets=[solved], by=agent, priority="urgent", status="pending")
    assert changed == 0
    solved.refresh_from_db()
    assert solved.priority == "normal"


def test_tickets_bulk_update_bad_assignee_is_refused(customer_user):
    with pytest.raises(ValidationError):
        tickets_bulk_update(tickets=[TicketFactory()], by=None, assignee=customer_user)


def test_tickets_bulk_update_unassign():
    agent = staff_user(AGENT)
    ticket = TicketFactory(assignee=agent)
    assert tickets_bulk_update(tickets=Ticket.objects.all(), by=agent, assignee=None) == 1
    ticket.refresh_from_db()
    assert ticket.assignee is None
