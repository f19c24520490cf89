from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from helpdesk.roles import AGENT
from tests.factories import SLAPolicyFactory, TeamFactory, TicketFactory, staff_user
from tickets.models import Tag, TicketEvent
from tickets.services import (
    ticket_assign,
    ticket_set_priority,
    ticket_set_status,
    ticket_set_tags,
    ticket_set_team,
    ticket_set_type,
)

pytestmark = pytest.mark.django_db


def events(ticket, kind):
    return list(
        TicketEvent.objects.filter(ticket=ticket, kind=kind).order_by("pk").values_list("before", "after")
    )


def test_ticket_assign_records_user_ids_and_unassign(ticket):
    first, second = staff_user(AGENT), staff_user(AGENT)
    ticket_assign(ticket=ticket, assignee=first, by=first)
    ticket_assign(ticket=ticket, assignee=second, by=first)
    ticket_assign(ticket=ticket, assignee=None, by=first)
    ticket.refresh_from_db()
    assert ticket.assignee is None
    assert events(ticket, "assignee") == [(None, first.pk), (first.pk, second.pk), (second.pk, None)]


def test_ticket_assign_to_non_agent_is_refused(ticket, customer_user):
    with pytest.raises(ValidationError):
        ticket_assign(ticket=ticket, assignee=customer_user, by=None)
    inactive = staff_user(AGENT, is_active=False)
    with pytest.raises(ValidationError):
        ticket_assign(ticket=ticket, assignee=inactive, by=None)
    assert events(ticket, "assignee") == []


def test_ticket_set_team_records_team_ids(ticket):
    a, b = TeamFactory(), TeamFactory()
    ticket_set_team(ticket=ticket, team=a, by=None)
    ticket_set_team(ticket=ticket, team=b, by=None)
    assert events(ticket, "team") == [(None, a.pk), (a.pk, b.pk)]


def test_ticket_set_type_records_strings(ticket):
    ticket_set_type(ticket=ticket, type="incident", by=None)
    assert events(ticket, "type") == [("question", "incident")]
    with pytest.raises(ValidationError):
        ticket_set_type(ticket=ticket, type="rant", by=None)


def test_ticket_set_priority_recomputes_sla_from_creation():
    SLAPolicyFactory(priority="normal", first_response_minutes=240, resolution_minutes=1440)
    SLAPolicyFactory(priority="urgent", first_response_minutes=15, resolution_minutes=120)
    ticket = TicketFactory()
    before = {
        "first_response_due_at": ticket.first_response_due_at.isoformat(),
        "resolution_due_at": ticket.resolution_due_at.isoformat(),
    }
    ticket_set_priority(ticket=ticket, priority="urgent", by=None)
    ticket.refresh_from_db()
    assert ticket.first_response_due_at == ticket.created_at + timedelta(minutes=15)
    assert ticket.resolution_due_at == ticket.created_at + timedelta(minutes=120)
    assert events(ticket, "priority") == [("normal", "urgent")]
    sla = TicketEvent.objects.get(ticket=ticket, kind="sla")
    assert sla.before == before
    assert sla.after == {
        "first_response_due_at": ticket.first_response_due_at.isoformat(),
        "resolution_due_at": ticket.resolution_due_at.isoformat(),
    }


def test_ticket_set_priority_without_policies_records_no_sla_event(ticket):
    ticket_set_priority(ticket=ticket, priority="high", by=None)
    assert events(ticket, "priority") == [("normal", "high")]
    assert events(ticket, "sla") == []


def test_ticket_set_priority_unknown_is_refused(ticket):
    with pytest.raises(ValidationError):
        ticket_set_priority(ticket=ticket, priority="asap", by=None)


def test_ticket_set_tags_records_sorted_names_and_normalises(ticket):
    ticket_set_tags(ticket=ticket, tags=["Refund", "vip customer", "refund"], by=None)
    ticket_set_tags(ticket=ticket, tags=["vip-customer"], by=None)
    assert events(ticket, "tags") == [
        ([], ["refund", "vip-customer"]),
        (["refund", "vip-customer"], ["vip-customer"]),
    ]
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["refund", "vip-customer"]


def test_ticket_set_tags_empty_name_is_refused(ticket):
    with pytest.raises(ValidationError):
        ticket_set_tags(ticket=ticket, tags=["  "], by=None)


@pytest.mark.parametrize(
    "change",
    [
        lambda t, a, team: ticket_assign(ticket=t, assignee=a, by=None),
        lambda t, a, team: ticket_set_team(ticket=t, team=team, by=None),
        lambda t, a, team: ticket_set_priority(ticket=t, priority="high", by=None),
        lambda t, a, team: ticket_set_type(ticket=t, type="task", by=None),
        lambda t, a, team: ticket_set_tags(ticket=t, tags=["x", "y"], by=None),
        lambda t, a, team: ticket_set_status(ticket=t, status="pending", by=None),
    ],
)
def test_ticket_field_change_same_value_records_nothing(change):
    agent, team = staff_user(AGENT), TeamFactory()
    ticket = TicketFactory(
        assignee=agent, team=team, priority="high", type="task", tags=["y", "x"], status="pending"
    )
    count = TicketEvent.objects.count()
    updated = ticket.updated_at
    change(ticket, agent, team)
    assert TicketEvent.objects.count() == count
    ticket.refresh_from_db()
    assert ticket.updated_at == updated


@pytest.mark.parametrize(
    "change",
    [
        lambda t: ticket_assign(ticket=t, assignee=None, by=None),
        lambda t: ticket_set_priority(ticket=t, priority="low", by=None),
        lambda t: ticket_set_tags(ticket=t, tags=["late"], by=None),
    ],
)
def test_ticket_field_change_on_closed_ticket_is_refused(change):
    ticket = TicketFactory(status="closed", assignee=staff_user(AGENT))
    with pytest.raises(ValidationError):
        change(ticket)
