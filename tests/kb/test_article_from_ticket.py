import pytest
from django.urls import reverse

from kb.models import Article
from tests.factories import CustomerFactory, KbSectionFactory, staff_user
from tickets.models import Message, Team, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(agent):
    team = Team.objects.create(name="Billing")
    team.members.add(agent)
    return team


def solved_ticket(team, status=Ticket.Status.SOLVED):
    ticket = Ticket.objects.create(
        subject="Charged twice in May", customer=CustomerFactory(), team=team, status=status
    )
    Message.objects.create(
        ticket=ticket, kind="public", sender="customer", body_text="Why two charges?", channel="email"
    )
    Message.objects.create(
        ticket=ticket, kind="public", sender="agent", body_text="First answer.", channel="email"
    )
    Message.objects.create(
        ticket=ticket, kind="public", sender="agent", body_text="Refunds take 3-5 days.", channel="email"
    )
    Message.objects.create(
        ticket=ticket, kind="note", sender="agent", body_text="Internal note, not this.", channel="email"
    )
    return ticket


def test_article_form_is_prefilled_from_solved_ticket(client, agent, team):
    ticket = solved_ticket(team)
    client.force_login(agent)
    response = client.get(reverse("kb:article_create"), {"from_ticket": ticket.pk})
    initial = response.context["form"].initial
    assert initial == {"title": "Charged twice in May", "body_markdown": "Refunds take 3-5 days."}
    assert f"Prefilled from ticket {ticket.reference}" in response.content.decode()


def test_article_created_from_ticket_remembers_it(client, agent, team):
    ticket = solved_ticket(team)
    section = KbSectionFactory()
    client.force_login(agent)
    data = {
        "language": "en",
        "title": "Double charges",
        "body_markdown": "Refunds take 3-5 days.",
        "section": section.pk,
        "state": "draft",
        "from_ticket": ticket.pk,
    }
    client.post(f"{reverse('kb:article_create')}?from_ticket={ticket.pk}", data)
    assert Article.objects.get().source_ticket == ticket


def test_ticket_of_another_team_is_404(client, team):
    outsider = staff_user("agent", username="outsider")
    client.force_login(outsider)
    assert (
        client.get(reverse("kb:article_create"), {"from_ticket": solved_ticket(team).pk}).status_code == 404
    )


def test_manager_may_use_any_ticket(client, manager, team):
    client.force_login(manager)
    assert (
        client.get(reverse("kb:article_create"), {"from_ticket": solved_ticket(team).pk}).status_code == 200
    )


def test_unsolved_ticket_warns(client, agent, team):
    client.force_login(agent)
    response = client.get(
        reverse("kb:article_create"), {"from_ticket": solved_ticket(team, Ticket.Status.OPEN).pk}
    )
    assert "is not solved yet" in response.content.decode()


@pytest.mark.parametrize("value", ["abc", "999999", "-1"])
def test_bad_ticket_id_is_404(client, agent, value):
    client.force_login(agent)
    assert client.get(reverse("kb:article_create"), {"from_ticket": value}).status_code == 404
