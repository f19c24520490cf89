import pytest

from tests.factories import TicketFactory
from tests.tickets.workspace import agent_in, team


@pytest.fixture
def ticket(db):
    return TicketFactory()


@pytest.fixture
def crew():
    """The agents' team of the workspace tests."""
    return team(name="Red")


@pytest.fixture
def me(crew):
    """An agent of `crew` (files that need another name for them define their own `me`)."""
    return agent_in(crew, username="me", first_name="Mia", last_name="Agent")
