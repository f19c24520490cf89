import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tickets.services import ticket_note

from .conftest import own_ticket

pytestmark = pytest.mark.django_db


def _file(name="report.pdf", data=b"%PDF-1.4 hello"):
    return SimpleUploadedFile(name, data)


def test_portal_download_own_attachment(customer_client, customer_user):
    ticket = own_ticket(customer_user, attachments=[_file()])
    attachment = ticket.messages.get().attachments.get()
    response = customer_client.get(reverse("portal:attachment_download", args=[attachment.token]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 hello"
    assert response["Content-Type"] == "application/pdf"
    assert 'attachment; filename="report.pdf"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_portal_download_other_customers_attachment_answers_404(customer_client, other_customer_user):
    ticket = own_ticket(other_customer_user, attachments=[_file()])
    attachment = ticket.messages.get().attachments.get()
    assert (
        customer_client.get(reverse("portal:attachment_download", args=[attachment.token])).status_code == 404
    )


def test_portal_download_note_attachment_answers_404(customer_client, customer_user, agent):
    ticket = own_ticket(customer_user)
    note = ticket_note(ticket=ticket, by=agent, body="internal", attachments=[_file("internal.pdf")])
    token = note.attachments.get().token
    assert customer_client.get(reverse("portal:attachment_download", args=[token])).status_code == 404


def test_portal_download_unknown_token_answers_404(customer_client):
    assert customer_client.get(reverse("portal:attachment_download", args=["nope"])).status_code == 404


def test_portal_download_by_staff_is_403(client, agent, customer_user):
    ticket = own_ticket(customer_user, attachments=[_file()])
    client.force_login(agent)
    token = ticket.messages.get().attachments.get().token
    assert client.get(reverse("portal:attachment_download", args=[token])).status_code == 403
