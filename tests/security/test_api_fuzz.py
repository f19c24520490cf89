"""Schemathesis over the whole OpenAPI schema: no generated request may cause a server error."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from api.services import api_token_create
from helpdesk.roles import ADMIN
from tests.factories import TicketFactory, staff_user

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
EXAMPLES_PER_OPERATION = 12


@pytest.fixture
def keep_test_connection():
    """Requests made straight through WSGI would close the test's database connection at their end
    (Django's test client disconnects this the same way)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(db, keep_test_connection):
    admin = staff_user(ADMIN, username="fuzz-admin", is_superuser=True)
    TicketFactory()  # something real behind small ids
    return api_token_create(name="fuzz", user=admin, scopes=["all"])[1]


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
    derandomize=True,
)
def test_no_request_causes_a_server_error(case, token):
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=[not_a_server_error])
