import pytest

from helpdesk.roles import AGENT
from mail.models import OutboundEmail
from tests.factories import TicketFactory, staff_user
from tickets.models import Message
from tickets.services import ticket_reply
from tickets.tasks import message_delivery_sync

pytestmark = pytest.mark.django_db


def test_message_delivery_sync_copies_the_outbox_outcome():
    agent = staff_user(AGENT)
    sent = ticket_reply(ticket=TicketFactory(), by=agent, body="One")
    failed = ticket_reply(ticket=TicketFactory(), by=agent, body="Two")
    waiting = ticket_reply(ticket=TicketFactory(), by=agent, body="Three")
    OutboundEmail.objects.filter(message_id=sent.external_message_id).update(state="sent")
    OutboundEmail.objects.filter(message_id=failed.external_message_id).update(state="failed")
    assert message_delivery_sync.delay().get() == 2
    states = {m.pk: m.delivery_state for m in Message.objects.filter(pk__in=[sent.pk, failed.pk, waiting.pk])}
    assert states == {sent.pk: "sent", failed.pk: "failed", waiting.pk: "queued"}
    assert message_delivery_sync() == 0


def test_message_delivery_sync_is_scheduled():
    from helpdesk.celery import app

    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "tickets.tasks.message_delivery_sync" in tasks
