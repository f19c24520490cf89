import pytest
from django.core.exceptions import ValidationError

from helpdesk.roles import AGENT
from tests.factories import CannedReplyFactory, TicketFactory, staff_user
from tickets.models import TicketEvent
from tickets.services import ReplyCollision, canned_reply_apply, canned_reply_render, ticket_reply

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent():
    return staff_user(AGENT, first_name="Ada", last_name="Lovelace")


def test_canned_reply_render_fills_known_placeholders(agent):
    ticket = TicketFactory(customer_name="Carmen Customer", subject="Lost parcel")
    canned = CannedReplyFactory(
        body="Hi {{customer.first_name}} ({{ customer.email }}), about {{ ticket.reference }} "
        "“{{ ticket.subject }}”: {{ agent.name }} / {{ agent.first_name }} / {{ customer.name }}"
    )
    text = canned_reply_render(canned_reply=canned, ticket=ticket, agent=agent)
    assert text == (
        f"Hi Carmen ({ticket.requester_email}), about {ticket.reference} “Lost parcel”: "
        "Ada Lovelace / Ada / Carmen Customer"
    )


def test_canned_reply_render_leaves_unknown_and_template_syntax_alone(agent):
    ticket = TicketFactory()
    canned = CannedReplyFactory(
        body="{{ settings.SECRET_KEY }} {{ agent.password }} {% debug %} {{ ticket.customer.user.password }}"
    )
    text = canned_reply_render(canned_reply=canned, ticket=ticket, agent=agent)
    assert text == canned.body


def test_canned_reply_render_hostile_customer_name_is_not_expanded(agent):
    ticket = TicketFactory(customer_name="{{ agent.name }} <script>alert(1)</script>")
    canned = CannedReplyFactory(body="Dear {{ customer.name }}")
    text = canned_reply_render(canned_reply=canned, ticket=ticket, agent=agent)
    assert text == "Dear {{ agent.name }} <script>alert(1)</script>"
    message = canned_reply_apply(ticket=ticket, canned_reply=canned, by=agent)
    assert "<script>" not in message.body_html
    assert "&lt;script&gt;" in message.body_html


def test_canned_reply_apply_replies_then_sets_priority_tags_and_status(agent):
    ticket = TicketFactory(tags=["existing"])
    canned = CannedReplyFactory(
        body="Done, {{ customer.first_name }}.", set_status="solved", set_priority="low", add_tags=["Refund"]
    )
    message = canned_reply_apply(ticket=ticket, canned_reply=canned, by=agent)
    ticket.refresh_from_db()
    assert message.is_public_agent_reply
    assert (ticket.status, ticket.priority) == ("solved", "low")
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["existing", "refund"]
    kinds = list(
        TicketEvent.objects.filter(ticket=ticket, actor=agent).order_by("pk").values_list("kind", flat=True)
    )
    assert kinds == ["message", "status", "priority", "tags", "status"]


def test_canned_reply_apply_collision_changes_nothing(agent):
    ticket = TicketFactory()
    seen = ticket.messages.get().pk
    ticket_reply(ticket=ticket, by=staff_user(AGENT), body="Already answered")
    canned = CannedReplyFactory(set_status="solved")
    with pytest.raises(ReplyCollision):
        canned_reply_apply(ticket=ticket, canned_reply=canned, by=agent, seen_message_id=seen)
    ticket.refresh_from_db()
    assert ticket.status == "open"


def test_canned_reply_apply_inactive_is_refused(agent):
    with pytest.raises(ValidationError):
        canned_reply_apply(ticket=TicketFactory(), canned_reply=CannedReplyFactory(is_active=False), by=agent)
