"""Fixtures shared by the whole suite.

Tests run with eager Celery tasks and a local-memory cache, whatever the environment says;
only tests marked `integration` use the real services (and skip without them, or fail when
REQUIRE_SERVICES=1).
"""

import os

import pytest
from django.core.cache import cache
from django.db import connection

from helpdesk.celery import app as celery_app
from helpdesk.roles import ADMIN, AGENT, MANAGER, QA_REVIEWER

from .factories import portal_user, staff_user


def require_service(name: str, available: bool, why: str) -> None:
    """Skip a test whose service is missing, or fail it when REQUIRE_SERVICES=1."""
    if available:
        return
    message = f"{name} is not available: {why}"
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"REQUIRE_SERVICES=1 but {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture(autouse=True)
def _isolated_services(request, settings):
    """Eager tasks and a private cache for every test that does not ask for the real services."""
    if request.node.get_closest_marker("integration"):
        yield
        return
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()  # local-memory caches outlive the settings override; start each test empty
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager


@pytest.fixture
def postgres():
    require_service("PostgreSQL", connection.vendor == "postgresql", "DATABASE_URL does not name one")


@pytest.fixture
def agent(db):
    return staff_user(AGENT, username="agent_a")


@pytest.fixture
def qa_reviewer(db):
    return staff_user(QA_REVIEWER, AGENT, username="qa_a")


@pytest.fixture
def manager(db):
    return staff_user(MANAGER, username="manager_a")


@pytest.fixture
def admin_user(db):
    return staff_user(ADMIN, username="admin_a", is_superuser=True, is_staff=True)


@pytest.fixture
def customer_user(db):
    return portal_user(username="customer_a")
