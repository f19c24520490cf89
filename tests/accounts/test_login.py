import pytest
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("user_fixture", "landing"),
    [
        ("agent", "/tickets/"),
        ("qa_reviewer", "/tickets/"),
        ("admin_user", "/tickets/"),
        ("manager", "/dashboard/"),
        ("customer_user", "/portal/"),
    ],
)
def test_login_lands_each_role_on_its_page(client, request, user_fixture, landing):
    user = request.getfixturevalue(user_fixture)
    response = client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response.status_code == 302
    assert response["Location"] == landing
    assert client.get(landing).status_code == 200


def test_login_page_renders_labelled_fields(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'for="id_username"' in html and "form-control" in html
    assert 'for="id_password"' in html


def test_login_with_wrong_password_shows_form_error(client, agent):
    response = client.post(reverse("accounts:login"), {"username": agent.username, "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_logout_requires_post_and_signs_out(client, agent):
    client.force_login(agent)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client.get("/tickets/").status_code == 302
