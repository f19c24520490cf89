"""Data builders for the agent-workspace tests (tickets go through the services via TicketFactory)."""

from datetime import timedelta

from django.utils import timezone

from helpdesk.roles import AGENT
from tests.factories import TeamFactory, TicketFactory, staff_user
from tickets.models import Ticket


def agent_in(team, **fields):
    user = staff_user(AGENT, **fields)
    team.members.add(user)
    return user


def tickets(n: int, **fields) -> list[Ticket]:
    """`n` tickets, updated one minute apart (the last one most recently)."""
    made = [TicketFactory(**fields) for _ in range(n)]
    start = timezone.now() - timedelta(minutes=n + 5)
    for i, ticket in enumerate(made):
        Ticket.objects.filter(pk=ticket.pk).update(updated_at=start + timedelta(minutes=i))
        ticket.refresh_from_db()
    return made


def team(**fields):
    return TeamFactory(**fields)
