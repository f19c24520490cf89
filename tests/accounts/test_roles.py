import pytest

pytestmark = pytest.mark.django_db

# Pages of the foundation and who may open them (everyone else gets 403, anonymous a login redirect).
PAGES = {
    "/tickets/": {"agent", "qa_reviewer", "manager", "admin_user"},
    "/customers/": {"agent", "qa_reviewer", "manager", "admin_user"},
    "/dashboard/": {"manager", "admin_user"},
    "/portal/": {"customer_user"},
}
ROLES = ["agent", "qa_reviewer", "manager", "admin_user", "customer_user"]


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("role", ROLES)
def test_page_allows_or_refuses_role(client, request, path, role):
    client.force_login(request.getfixturevalue(role))
    expected = 200 if role in PAGES[path] else 403
    assert client.get(path).status_code == expected


@pytest.mark.parametrize("path", PAGES)
def test_page_redirects_anonymous_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_admin_site_refuses_agent(client, agent):
    client.force_login(agent)
    assert client.get("/admin/").status_code == 302
