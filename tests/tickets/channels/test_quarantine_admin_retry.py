"""Admins list the quarantine, view a held email, download it and retry it; other staff cannot."""

from django.urls import reverse

from helpdesk.roles import MANAGER
from tests.factories import staff_user
from tickets.channels.email.ingest import email_receive
from tickets.models import RawEmail, Ticket

CHANGELIST = reverse("admin:tickets_rawemail_changelist")


def test_quarantine_list_shows_held_emails_with_reason(
    client, ingest, admin_user, django_assert_max_num_queries
):
    for n in range(12):
        raw = f"To: a@b.example\r\nSubject: Held {n}\r\nMessage-ID: <held-{n}@x.example>\r\n\r\n"
        email_receive(raw=raw.encode(), source=RawEmail.Source.HTTP)
    client.force_login(admin_user)
    with django_assert_max_num_queries(12):
        response = client.get(CHANGELIST, {"state__exact": "quarantined"})
    assert response.status_code == 200
    assert response.content.count(b"The message has no sender address") == 12
    assert b"Held 11" in response.content


def test_quarantine_detail_and_raw_download(client, ingest, admin_user):
    raw = ingest("no_sender.eml")
    client.force_login(admin_user)
    detail = client.get(reverse("admin:tickets_rawemail_change", args=[raw.pk]))
    assert detail.status_code == 200 and b"There is no From header." in detail.content
    download = client.get(reverse("admin:tickets_rawemail_raw", args=[raw.pk]))
    assert download.status_code == 200 and download.content == bytes(raw.raw)


def test_quarantine_retry_after_the_limit_is_raised(client, ingest, admin_user, settings):
    raw = ingest("too_many_attachments.eml")
    assert raw.state == RawEmail.State.QUARANTINED
    settings.TICKETS_MAX_ATTACHMENTS_PER_MESSAGE = 20
    client.force_login(admin_user)
    response = client.post(CHANGELIST, {"action": "retry", "_selected_action": [raw.pk]}, follow=True)
    assert b"1 processed; 0 still quarantined." in response.content
    raw.refresh_from_db()
    assert raw.state == RawEmail.State.CREATED and raw.ticket.messages.get().attachments.count() == 11
    assert Ticket.objects.count() == 1


def test_quarantine_is_hidden_from_managers(client, ingest):
    raw = ingest("no_sender.eml")
    manager = staff_user(MANAGER, username="boss", is_staff=True, is_superuser=False)
    client.force_login(manager)
    assert client.get(CHANGELIST).status_code in (302, 403)
    assert client.get(reverse("admin:tickets_rawemail_raw", args=[raw.pk])).status_code in (302, 403)
