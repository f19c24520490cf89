import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from tickets.models import Message, Ticket
from tickets.portal import views

pytestmark = pytest.mark.django_db


def test_portal_ticket_open_with_attachment(customer_client, customer_user):
    upload = SimpleUploadedFile("screen.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100)
    response = customer_client.post(
        reverse("portal:ticket_new"),
        {"subject": "Printer jams", "body": "It jams on page 2.", "attachments": [upload]},
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:ticket_detail", args=[ticket.pk])
    assert ticket.channel == Ticket.Channel.PORTAL
    assert ticket.customer == customer_user.customer
    message = ticket.messages.get()
    assert message.sender == Message.Sender.CUSTOMER
    assert message.author == customer_user
    assert message.attachments.get().content_type == "image/png"


@override_settings(TICKETS_MAX_ATTACHMENT_BYTES=10)
def test_portal_ticket_open_oversized_attachment_is_a_form_error(customer_client):
    upload = SimpleUploadedFile("big.bin", b"x" * 11)
    response = customer_client.post(
        reverse("portal:ticket_new"), {"subject": "Big", "body": "see file", "attachments": [upload]}
    )
    assert response.status_code == 400
    assert "larger than" in response.content.decode()
    assert not Ticket.objects.exists()


def test_portal_ticket_open_without_subject_is_a_form_error(customer_client):
    response = customer_client.post(reverse("portal:ticket_new"), {"subject": "", "body": "text"})
    assert response.status_code == 400
    assert not Ticket.objects.exists()


def test_portal_ticket_new_form_asks_for_suggestions(customer_client):
    page = customer_client.get(reverse("portal:ticket_new")).content.decode()
    assert 'hx-get="/help/suggest/"' in page
    assert 'id="kb-suggestions"' in page and 'aria-live="polite"' in page
    assert 'dir="auto"' in page
    for field in ("subject", "body", "attachments"):
        assert re.search(rf'<label\s+for="id_{field}"', page), field


def test_portal_ticket_open_calls_deflection_hook_when_kb_installed(customer_client, monkeypatch):
    calls = []
    monkeypatch.setattr(views.apps, "is_installed", lambda name: name == "kb")
    monkeypatch.setattr(views, "import_string", lambda path: lambda **kw: calls.append((path, kw)))
    customer_client.post(reverse("portal:ticket_new"), {"subject": "Q", "body": "text"})
    ticket = Ticket.objects.get()
    assert calls[0][0] == "kb.services.deflection_ticket_submitted"
    assert calls[0][1]["ticket_id"] == ticket.pk
    assert calls[0][1]["session_key"]
