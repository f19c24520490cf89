"""POST /inbound/email/: shared secret (constant-time), raw MIME body, 202 on accept, clear 4xx otherwise."""

import pytest

from tickets.models import RawEmail, Ticket

from .conftest import corpus_bytes

URL = "/inbound/email/"


@pytest.fixture
def secret(settings, tmp_path):
    settings.INBOUND_EMAIL_SECRET = "s3cret-value"
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.INBOUND_EMAIL_SECRET


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    """POST a raw message; the processing task (queued on commit) runs eagerly."""

    def run(body: bytes, **headers):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(URL, data=body, content_type="message/rfc822", headers=headers)

    return run


def test_inbound_email_with_secret_opens_a_ticket(post, db, secret):
    response = post(corpus_bytes("plain.eml"), authorization=f"Bearer {secret}")
    assert response.status_code == 202
    raw = RawEmail.objects.get(pk=response.json()["id"])
    assert response.json()["state"] == RawEmail.State.RECEIVED  # stored first, processed by a task
    assert raw.source == RawEmail.Source.HTTP and raw.state == RawEmail.State.CREATED
    assert raw.ticket.subject == "Printer does not print"


def test_inbound_email_twice_creates_one_ticket(post, db, secret):
    first = post(corpus_bytes("plain.eml"), x_inbound_secret=secret)
    second = post(corpus_bytes("plain.eml"), x_inbound_secret=secret)
    assert first.status_code == second.status_code == 202
    assert first.json()["id"] == second.json()["id"]
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize("headers", [{}, {"authorization": "Bearer wrong"}, {"x_inbound_secret": "s3cret"}])
def test_inbound_email_without_the_secret_is_forbidden(post, db, secret, headers):
    response = post(corpus_bytes("plain.eml"), **headers)
    assert response.status_code == 403
    assert "shared secret" in response.json()["detail"]
    assert not RawEmail.objects.exists()


def test_inbound_email_unset_secret_is_not_found(post, db, settings):
    settings.INBOUND_EMAIL_SECRET = ""
    response = post(corpus_bytes("plain.eml"), authorization="Bearer ")
    assert response.status_code == 404


def test_inbound_email_empty_body_is_a_bad_request(post, db, secret):
    assert post(b"  ", x_inbound_secret=secret).status_code == 400


def test_inbound_email_over_the_size_limit_is_refused(post, db, secret, settings):
    settings.INBOUND_EMAIL_MAX_BYTES = 100
    response = post(corpus_bytes("plain.eml"), x_inbound_secret=secret)
    assert response.status_code == 413
    assert not RawEmail.objects.exists()


def test_inbound_email_get_is_not_allowed(client, db, secret):
    assert client.get(URL).status_code == 405


def test_inbound_email_unparseable_message_is_accepted_and_quarantined(post, db, secret):
    response = post(corpus_bytes("no_sender.eml"), x_inbound_secret=secret)
    assert response.status_code == 202
    assert RawEmail.objects.get().state == RawEmail.State.QUARANTINED
