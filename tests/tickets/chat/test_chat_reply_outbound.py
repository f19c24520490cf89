"""Agent replies on chat/social tickets reach the integration as `message.created` webhook events."""

import pytest

from tickets.models import Ticket, TicketEvent
from tickets.services import ticket_note, ticket_reply
from webhooks.payloads import ticket_event_payload

from .conftest import payload

pytestmark = pytest.mark.django_db


def test_agent_reply_on_social_ticket_is_published_with_what_the_integration_filters_on(api, agent):
    api.post("/inbound/messages/", payload(), format="json")
    ticket = Ticket.objects.get()
    reply = ticket_reply(ticket=ticket, by=agent, body="It ships today.")
    ticket_note(ticket=ticket, by=agent, body="internal")
    events = TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.MESSAGE).order_by("pk")
    published = [ticket_event_payload(e) for e in events]
    deliverable = [
        data
        for kind, data in published
        if kind == "message.created"
        and data["ticket"]["channel"] in ("chat", "social")
        and data["message"]["sender"] == "agent"
        and data["message"]["kind"] == "public"
    ]
    assert [d["message"]["id"] for d in deliverable] == [reply.pk]
    lookup = api.get(f"/inbound/messages/conversations/?ticket={deliverable[0]['ticket']['id']}").json()
    assert lookup[0]["conversation_id"] == "wa-1"
    assert lookup[0]["channel"] == "whatsapp"
