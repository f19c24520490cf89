"""On the real services (Celery worker on Redis, local SMTP server): an email POSTed to
/inbound/email/ becomes a ticket, the agent's reply goes out by SMTP with headers that thread it,
and the customer's answer to that email lands on the same ticket."""

from email import message_from_bytes, policy

import pytest

from tests.integration.conftest import wait_for
from tickets.models import RawEmail
from tickets.services import ticket_reply

from .conftest import corpus_bytes
from .smtp_stub import StubSmtpServer

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("services")]


@pytest.fixture
def smtp_server(monkeypatch):
    server = StubSmtpServer()
    monkeypatch.setenv("TEST_WORKER_EMAIL_URL", server.email_url)
    yield server
    server.shutdown()
    server.server_close()


def _post(client, raw: bytes):
    response = client.post(
        "/inbound/email/", data=raw, content_type="message/rfc822", headers={"X-Inbound-Secret": "itest"}
    )
    assert response.status_code == 202, response.content
    return response.json()["id"]


def _processed(raw_id: int, worker) -> RawEmail:
    done = wait_for(lambda: RawEmail.objects.exclude(state=RawEmail.State.RECEIVED).filter(pk=raw_id).first())
    assert done, f"the worker did not process the email:\n{worker['log'].read_text()[-3000:]}"
    return done


def test_email_in_reply_out_answer_threads(
    client, settings, agent, smtp_server, celery_worker_process, tmp_path
):
    settings.INBOUND_EMAIL_SECRET = "itest"
    settings.MEDIA_ROOT = tmp_path / "media"
    first = _processed(_post(client, corpus_bytes("plain.eml")), celery_worker_process)
    assert first.state == RawEmail.State.CREATED
    ticket = first.ticket

    ticket_reply(ticket=ticket, by=agent, body="Please restart the printer.")
    assert wait_for(lambda: smtp_server.messages), celery_worker_process["log"].read_text()[-3000:]
    sent = message_from_bytes(smtp_server.messages[-1], policy=policy.default)
    assert sent["In-Reply-To"] == "<plain-1@customer.example>"
    assert sent["References"] == "<plain-1@customer.example>"
    assert ticket.reference in sent["Subject"] and ticket.reference in sent["Reply-To"]

    answer = (
        f"From: alice@customer.example\r\nTo: {sent['Reply-To']}\r\nSubject: Re: {sent['Subject']}\r\n"
        f"Message-ID: <answer-it@customer.example>\r\nIn-Reply-To: {sent['Message-ID']}\r\n"
        f"References: {sent['References']} {sent['Message-ID']}\r\n\r\nThat fixed it.\r\n\r\n"
        f"> Please restart the printer.\r\n"
    ).encode()
    second = _processed(_post(client, answer), celery_worker_process)
    assert second.state == RawEmail.State.THREADED and second.ticket_id == ticket.pk
    assert second.message.body_text == "That fixed it."
