"""The hostile input catalogue (issue #10): every case sends one hostile input through a real entry
point (web and portal forms, the REST API, inbound email through the ingestion service, the chat
webhook, the KPI CSV export, the help center) and asserts its outcome. The cases live by entry point
in tests/security/hostile/; README "What we promise" quotes the number of cases, checked here.

Run it on PostgreSQL too: it refuses NUL in text where SQLite stores it.
"""

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from api.services import api_token_create
from helpdesk.roles import ADMIN, AGENT, MANAGER
from tests.factories import SLAPolicyFactory, TeamFactory, TicketFactory, portal_user, staff_user
from tickets.models import Team, Ticket

from .hostile import api, email, pages, web

CASES = [*web.CASES, *api.CASES, *email.CASES, *pages.CASES]
MINIMUM_CASES = 45  # the figure README.md quotes is len(CASES); it never drops below this


@dataclass
class World:
    agent: User
    manager: User
    admin: User
    customer_user: User
    team: Team
    ticket: Ticket
    portal_ticket: Ticket
    agent_client: Client
    manager_client: Client
    customer_client: Client
    anon_client: Client
    api: APIClient
    settings: object

    def client_for(self, user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client


def _token_client(user: User) -> APIClient:
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Token {api_token_create(name='hostile', user=user, scopes=['all'])[1]}"
    )
    return client


@pytest.fixture
def world(db, settings, tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TICKET_REFERENCE_PREFIX = "HD"
    settings.INBOUND_EMAIL_SECRET = "hostile-secret"
    SLAPolicyFactory(priority="normal", first_response_minutes=240, resolution_minutes=24 * 60)
    agent = staff_user(AGENT, username="h-agent", first_name="Alex", last_name="Agent")
    team = TeamFactory(members=[agent])
    customer_user = portal_user(username="h-customer")
    ticket = TicketFactory(team=team)
    portal_ticket = TicketFactory(team=team, customer_email=customer_user.email)
    manager = staff_user(MANAGER, username="h-manager")
    admin = staff_user(ADMIN, username="h-admin", is_superuser=True, is_staff=True)
    world = World(
        agent=agent,
        manager=manager,
        admin=admin,
        customer_user=customer_user,
        team=team,
        ticket=ticket,
        portal_ticket=portal_ticket,
        agent_client=Client(),
        manager_client=Client(),
        customer_client=Client(),
        anon_client=Client(),
        api=_token_client(agent),
        settings=settings,
    )
    world.agent_client.force_login(agent)
    world.manager_client.force_login(manager)
    world.customer_client.force_login(customer_user)
    return world


@pytest.mark.parametrize("entry", CASES, ids=lambda c: c.name)
def test_hostile_input(world, entry):
    entry.check(world)


def test_the_catalogue_has_at_least_45_named_cases():
    names = [c.name for c in CASES]
    assert len(names) == len(set(names)), "case names are unique"
    assert len(CASES) >= MINIMUM_CASES


def test_the_readme_quotes_the_number_of_cases():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    quoted = re.search(r"\*\*(\d+) cases\*\*", readme)
    assert quoted and int(quoted.group(1)) == len(CASES), "update the figure in README.md"


def test_every_entry_point_and_outcome_is_exercised():
    from .hostile import ENTRIES, OUTCOMES

    assert {c.entry for c in CASES} == set(ENTRIES)
    assert {c.outcome for c in CASES} == set(OUTCOMES)
