import pytest

from tests.factories import TicketFactory, portal_user


@pytest.fixture
def other_customer_user(db):
    return portal_user(username="customer_b")


def own_ticket(user, **fields):
    return TicketFactory(customer_email=user.email, **fields)


@pytest.fixture
def customer_client(client, customer_user):
    client.force_login(customer_user)
    return client
