from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import AuditEntry
from helpdesk.roles import AGENT
from tests.factories import TicketFactory, staff_user
from tickets.models import Message, SatisfactionRating, TicketEvent
from tickets.services import (
    TicketFrozen,
    ticket_assign,
    ticket_merge,
    ticket_note,
    ticket_rate,
    ticket_reply,
    ticket_set_status,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent():
    return staff_user(AGENT)


def test_ticket_merge_closes_source_points_to_target_and_moves_messages(agent):
    source = TicketFactory(subject="Duplicate")
    target = TicketFactory(subject="Original")
    reply = ticket_reply(ticket=source, by=agent, body="Answered here")
    history = list(TicketEvent.objects.filter(ticket=source).values_list("pk", flat=True))
    ticket_merge(source=source, target=target, by=agent)
    source.refresh_from_db()
    target.refresh_from_db()
    assert source.merged_into == target
    assert source.status == "closed"
    assert source.solved_at is not None
    assert set(history) < set(TicketEvent.objects.filter(ticket=source).values_list("pk", flat=True))
    status, merged = TicketEvent.objects.filter(ticket=source).order_by("-pk")[:2][::-1]
    assert (status.kind, status.before, status.after) == ("status", "open", "closed")
    assert (merged.kind, merged.after, merged.actor) == ("merged", target.pk, agent)
    assert Message.objects.filter(ticket=source).count() == 0
    assert Message.objects.filter(ticket=target).count() == 3
    reply.refresh_from_db()
    assert reply.ticket == target
    assert target.first_public_reply_at == reply.created_at


def test_ticket_merge_messages_older_than_target_take_its_creation_time(agent):
    source = TicketFactory(created_at=timezone.now() - timedelta(days=2))
    target = TicketFactory()
    ticket_merge(source=source, target=target, by=agent)
    assert all(m.created_at >= target.created_at for m in Message.objects.filter(ticket=target))


def test_ticket_merge_drops_the_source_rating(agent):
    source, target = TicketFactory(), TicketFactory()
    ticket_rate(ticket=source, score=2)
    ticket_merge(source=source, target=target, by=agent)
    assert not SatisfactionRating.objects.filter(ticket=source).exists()


def test_ticket_merge_of_closed_source_records_no_status_event(agent):
    source, target = TicketFactory(status="closed"), TicketFactory()
    ticket_merge(source=source, target=target, by=agent)
    assert not TicketEvent.objects.filter(ticket=source, kind="status").exists()
    assert TicketEvent.objects.filter(ticket=source, kind="merged").count() == 1


def test_ticket_merge_refusals(agent):
    a, b, c = TicketFactory(), TicketFactory(), TicketFactory()
    with pytest.raises(ValidationError):
        ticket_merge(source=a, target=a, by=agent)
    ticket_merge(source=a, target=b, by=agent)
    with pytest.raises(TicketFrozen):
        ticket_merge(source=a, target=c, by=agent)
    with pytest.raises(TicketFrozen):
        ticket_merge(source=c, target=a, by=agent)
    closed = TicketFactory(status="closed")
    with pytest.raises(ValidationError):
        ticket_merge(source=c, target=closed, by=agent)


def test_ticket_merged_ticket_refuses_every_change(agent):
    source, target = TicketFactory(), TicketFactory()
    ticket_merge(source=source, target=target, by=agent)
    count = TicketEvent.objects.count()
    for change in (
        lambda: ticket_assign(ticket=source, assignee=agent, by=agent),
        lambda: ticket_set_status(ticket=source, status="open", by=agent),
        lambda: ticket_reply(ticket=source, by=agent, body="x"),
        lambda: ticket_note(ticket=source, by=agent, body="x"),
        lambda: ticket_rate(ticket=source, score=5),
    ):
        with pytest.raises(TicketFrozen):
            change()
    assert TicketEvent.objects.count() == count


def test_ticket_merge_is_audited_with_the_dropped_rating(agent):
    source, target = TicketFactory(), TicketFactory()
    ticket_set_status(ticket=source, status="solved", by=agent)
    ticket_rate(ticket=source, score=2, comment="Slow")
    ticket_merge(source=source, target=target, by=agent)
    entry = AuditEntry.objects.get(action=AuditEntry.Action.TICKET_MERGED)
    assert (entry.actor, entry.target_id, entry.target_repr) == (agent, str(target.pk), target.reference)
    assert entry.details == {"source": source.reference, "target": target.reference, "rating_deleted": True}
