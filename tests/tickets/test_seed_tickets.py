"""The demo tickets are consistent with what the services would have recorded."""

from collections import defaultdict

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db.models import Max

from helpdesk.seeding import Seeder
from helpdesk.seeding import tickets as seed_tickets
from helpdesk.seeding.texts import LANGUAGES
from lifecycle.models import Customer, TouchpointEvent
from tests.factories import TicketFactory
from tickets.models import CannedReply, Message, SatisfactionRating, SLAPolicy, Team, Ticket, TicketEvent
from tickets.services import TRANSITIONS, ticket_reply

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(settings):
    settings.DEBUG = True
    call_command("seed_demo", tickets=400, customers=60, seed=3)


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            Ticket,
            Message,
            TicketEvent,
            SatisfactionRating,
            TouchpointEvent,
            Team,
            CannedReply,
            SLAPolicy,
        )
    }


def test_seed_tickets_is_idempotent(seeded):
    first = counts()
    assert first["Ticket"] == 400
    call_command("seed_demo", tickets=400, customers=60, seed=3)
    seed_tickets.seed(Seeder(tickets=400, customers=60, seed=3, log=lambda line: None))
    assert counts() == first


def test_seed_tickets_status_and_solved_at_follow_the_event_log(seeded):
    events = defaultdict(list)
    for event in TicketEvent.objects.order_by("occurred_at", "pk"):
        events[event.ticket_id].append(event)
    for ticket in Ticket.objects.all():
        history = events[ticket.pk]
        assert history[0].kind == "created"
        status, solved_at, reopened = history[0].after["status"], None, False
        for event in history:
            if event.kind == "status":
                assert event.before == status
                assert event.after in TRANSITIONS[status], (ticket.pk, status, event.after)
                if event.after in Ticket.SOLVED and status not in Ticket.SOLVED:
                    solved_at = event.occurred_at
                elif event.after not in Ticket.SOLVED:
                    reopened |= status in Ticket.SOLVED
                    solved_at = None
                status = event.after
        assert ticket.status == status
        assert ticket.solved_at == solved_at
    assert Ticket.objects.filter(
        events__kind="status", events__before="solved", events__after="open"
    ).exists()


def test_seed_tickets_messages_match_their_events_and_times(seeded):
    messages = defaultdict(list)
    for message in Message.objects.all():
        messages[message.ticket_id].append(message)
    message_events = dict(TicketEvent.objects.filter(kind="message").values_list("message", "after"))
    for ticket in Ticket.objects.all():
        own = messages[ticket.pk]
        assert own
        assert all(m.created_at >= ticket.created_at for m in own)
        assert ticket.last_message_at == max(m.created_at for m in own)
        replies = [m.created_at for m in own if m.is_public_agent_reply]
        assert ticket.first_public_reply_at == (min(replies) if replies else None)
        for m in own:
            assert message_events[m.pk] == {"kind": m.kind, "sender": m.sender}
    assert Message.objects.count() / Ticket.objects.count() > 3


def test_seed_tickets_cover_channels_directions_languages_and_ratings(seeded):
    assert set(Ticket.objects.values_list("channel", flat=True)) == set(Ticket.Channel.values)
    assert set(Ticket.objects.values_list("direction", flat=True)) == {"inbound", "outbound"}
    assert set(Ticket.objects.values_list("language", flat=True)) == set(LANGUAGES)
    assert set(Message.objects.values_list("kind", flat=True)) == {"public", "note", "system"}
    rated = Ticket.objects.filter(rating__isnull=False)
    assert rated.exists()
    assert not rated.exclude(status__in=Ticket.SOLVED).exists()
    assert TicketEvent.objects.filter(kind="rated").count() == SatisfactionRating.objects.count()
    solved = Ticket.objects.filter(status__in=Ticket.SOLVED).count()
    assert 0.15 < rated.count() / solved < 0.45


def test_seed_tickets_touchpoints_teams_and_portal_customer(seeded):
    assert TouchpointEvent.objects.filter(type="support_ticket").count() == Ticket.objects.count()
    assert not Ticket.objects.exclude(requester_email__contains="@").exists()
    agent = User.objects.get(username="agent")
    assert agent.teams.count() == 2
    assert set(SLAPolicy.objects.values_list("priority", flat=True)) == set(Ticket.Priority.values)
    portal = Customer.objects.get(user__username="customer")
    assert portal.tickets.count() >= 3
    assert Ticket.objects.filter(first_response_due_at__isnull=False, direction="outbound").count() == 0
    assert Ticket.objects.filter(resolution_due_at__isnull=True).count() == 0


def test_seed_tickets_work_with_the_services(seeded):
    ticket = Ticket.objects.exclude(status="closed").filter(is_spam=False).order_by("-pk").first()
    agent = User.objects.get(username="agent")
    seeded_max = Ticket.objects.order_by("-pk").first().pk
    reply = ticket_reply(ticket=ticket, by=agent, body="Following up")
    assert ticket.messages.order_by("-pk").first() == reply
    assert TicketFactory().pk > seeded_max  # the sequences continue after the seeded ids


def test_seed_tickets_is_reproducible(settings):
    settings.DEBUG = True
    call_command("seed_demo", tickets=50, customers=10, seed=9)
    fields = ("pk", "subject", "status", "channel", "priority", "created_at", "solved_at")
    first = list(Ticket.objects.order_by("pk").values_list(*fields))
    Ticket.objects.all().delete()
    Customer.objects.all().delete()
    call_command("seed_demo", tickets=50, customers=10, seed=9)
    again = list(Ticket.objects.order_by("pk").values_list(*fields))
    assert [row[1:5] for row in again] == [row[1:5] for row in first]


def test_seeded_tickets_are_found_by_their_words(seeded, postgres):
    from tickets.models import SearchDocument
    from tickets.search import ticket_search

    assert SearchDocument.objects.count() == Ticket.objects.count()
    message = Message.objects.exclude(body_text="").order_by("pk").first()
    word = max(message.body_text.split(), key=len).strip(".,!?")
    assert message.ticket_id in set(ticket_search(Ticket.objects.all(), word).values_list("pk", flat=True))


def test_seed_tickets_customers_last_activity_is_their_latest_touchpoint(seeded):
    latest = dict(
        TouchpointEvent.objects.values("customer")
        .annotate(at=Max("occurred_at"))
        .values_list("customer", "at")
    )
    wrote_in = set(TouchpointEvent.objects.filter(type="support_ticket").values_list("customer", flat=True))
    assert wrote_in
    for customer in Customer.objects.filter(pk__in=wrote_in):
        assert customer.last_activity_at == customer.last_input_at == latest[customer.pk]
