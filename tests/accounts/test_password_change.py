import pytest
from django.urls import reverse

from mail.models import OutboundEmail
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a much longer passphrase 42"


def test_password_change_updates_password_and_sends_notice(
    client, agent, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:password_change"),
            {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.check_password(NEW_PASSWORD)
    email = OutboundEmail.objects.get()
    assert email.state == OutboundEmail.State.SENT
    assert email.headers["Auto-Submitted"] == "auto-generated"
    assert mailoutbox[0].to == [agent.email]


def test_password_change_rejects_weak_password_with_form_error(client, agent):
    client.force_login(agent)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 200
    assert "This password is too short" in response.content.decode()
    assert not OutboundEmail.objects.exists()


def test_password_change_requires_login(client):
    response = client.get(reverse("accounts:password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
