import pytest
from django.urls import reverse

from tests.factories import CannedReplyFactory, TeamFactory, TicketFactory
from tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db

MODELS = [
    "team",
    "tag",
    "ticket",
    "message",
    "attachment",
    "ticketevent",
    "slapolicy",
    "cannedreply",
    "satisfactionrating",
    "savedview",
]


@pytest.mark.parametrize("model", MODELS)
def test_admin_changelist_renders_for_every_ticket_model(client, admin_user, model):
    TicketFactory(team=TeamFactory(), tags=["x"])
    CannedReplyFactory()
    client.force_login(admin_user)
    assert client.get(reverse(f"admin:tickets_{model}_changelist")).status_code == 200


def test_admin_ticket_and_events_are_read_only(client, admin_user):
    ticket = TicketFactory()
    event = TicketEvent.objects.filter(ticket=ticket).first()
    client.force_login(admin_user)
    response = client.post(reverse("admin:tickets_ticket_change", args=[ticket.pk]), {"subject": "hacked"})
    assert response.status_code == 403
    assert Ticket.objects.get(pk=ticket.pk).subject != "hacked"
    assert client.get(reverse("admin:tickets_ticket_change", args=[ticket.pk])).status_code == 200
    assert (
        client.post(reverse("admin:tickets_ticketevent_delete", args=[event.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert client.get(reverse("admin:tickets_ticket_add")).status_code == 403


def test_admin_team_is_editable(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("admin:tickets_team_add"), {"name": "Billing"})
    assert response.status_code == 302
