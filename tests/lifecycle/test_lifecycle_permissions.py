"""Customers and anonymous visitors never see lifecycle pages; staff do."""

import pytest

from tests.factories import CustomerFactory

PAGES = ["/customers/", "/customers/{id}/", "/customers/funnel/", "/customers/surveys/"]
POSTS = ["/customers/{id}/stage/", "/customers/{id}/merge/"]


@pytest.fixture
def target(db):
    return CustomerFactory()


@pytest.mark.parametrize("page", [*PAGES, "/customers/settings/"])
def test_lifecycle_page_anonymous_is_sent_to_login(client, target, page):
    response = client.get(page.format(id=target.pk))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("page", [*PAGES, "/customers/settings/"])
def test_lifecycle_page_customer_is_forbidden(client, customer_user, target, page):
    client.force_login(customer_user)
    response = client.get(page.format(id=target.pk))
    assert response.status_code == 403
    assert target.display_name.encode() not in response.content


@pytest.mark.parametrize("page", POSTS)
def test_lifecycle_write_customer_is_forbidden(client, customer_user, target, page):
    client.force_login(customer_user)
    response = client.post(page.format(id=target.pk), {"to_stage": "loyalty", "reason": "me", "other": "x"})
    assert response.status_code == 403
    target.refresh_from_db()
    assert target.stage is None


@pytest.mark.parametrize("role", ["agent", "qa_reviewer", "manager", "admin_user"])
@pytest.mark.parametrize("page", PAGES)
def test_lifecycle_page_staff_may_see(client, request, target, role, page):
    client.force_login(request.getfixturevalue(role))
    assert client.get(page.format(id=target.pk)).status_code == 200


@pytest.mark.parametrize("role", ["agent", "manager"])
def test_lifecycle_settings_only_admins(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get("/customers/settings/").status_code == 403


def test_lifecycle_unknown_customer_is_not_found(client, agent):
    client.force_login(agent)
    assert client.get("/customers/999999/").status_code == 404
