import pytest

from tests.factories import TicketFactory


@pytest.fixture
def ticket(db):
    return TicketFactory()
