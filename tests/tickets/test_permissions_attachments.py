"""Attachments are served only to people who may see the ticket, and never rendered from our origin."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import TicketFactory
from tests.tickets.workspace import agent_in, team
from tickets import services

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def setup(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    red = team(name="Red")
    ticket = TicketFactory(team=red)
    message = ticket.messages.first()
    html = services.attachment_add(
        message=message, upload=SimpleUploadedFile('evil"<b>.html', b"<script>alert(1)</script>", "text/html")
    )
    image = services.attachment_add(message=message, upload=SimpleUploadedFile("photo.png", PNG, "image/png"))
    return agent_in(red, username="red"), agent_in(team(name="Blue"), username="blue"), html, image


def test_team_agent_downloads_html_as_octet_stream_attachment(client, setup):
    red, _, html, _ = setup
    client.force_login(red)
    response = client.get(f"/tickets/attachments/{html.token}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == b"<script>alert(1)</script>"


def test_safe_image_is_inline_unless_download_asked(client, setup):
    red, _, _, image = setup
    client.force_login(red)
    inline = client.get(f"/tickets/attachments/{image.token}/")
    assert inline["Content-Type"] == "image/png"
    assert inline["Content-Disposition"].startswith("inline;")
    download = client.get(f"/tickets/attachments/{image.token}/?download=1")
    assert download["Content-Disposition"].startswith("attachment;")


def test_other_team_agent_gets_404(client, setup):
    _, blue, html, _ = setup
    client.force_login(blue)
    assert client.get(f"/tickets/attachments/{html.token}/").status_code == 404


def test_customer_gets_403_and_anonymous_is_sent_to_login(client, setup, customer_user):
    _, _, html, _ = setup
    assert client.get(f"/tickets/attachments/{html.token}/").status_code == 302
    client.force_login(customer_user)
    assert client.get(f"/tickets/attachments/{html.token}/").status_code == 403


def test_unknown_token_and_missing_file_are_404(client, setup):
    red, _, html, _ = setup
    client.force_login(red)
    assert client.get("/tickets/attachments/nope/").status_code == 404
    html.file.storage.delete(html.file.name)
    assert client.get(f"/tickets/attachments/{html.token}/").status_code == 404


def test_manager_downloads_any_team_attachment(client, setup, manager):
    _, _, html, _ = setup
    client.force_login(manager)
    assert client.get(f"/tickets/attachments/{html.token}/").status_code == 200
