"""The ticket page shows the conversation, history, SLA clocks and the customer sidebar."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lifecycle.models import Customer, Stage
from lifecycle.services import customer_set_churn_risk, touchpoint_record
from tests.factories import CannedReplyFactory, TicketFactory
from tests.tickets.workspace import team
from tickets import services
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(crew):
    return TicketFactory(team=crew, subject="Printer on fire", customer_name="Dana Customer", body="It burns")


def test_conversation_kinds_are_visually_distinct(client, me, ticket):
    services.ticket_reply(ticket=ticket, by=me, body="We are on it")
    services.ticket_note(ticket=ticket, by=me, body="Check the fuser")
    services.ticket_system_message(ticket=ticket, body="Auto acknowledgement")
    client.force_login(me)
    body = client.get(f"/tickets/{ticket.reference}/").text
    assert "message-public message-from-customer" in body
    assert "message-public message-from-agent" in body
    assert "message-note" in body and "Internal note" in body
    assert "message-system" in body
    assert body.index("It burns") < body.index("We are on it") < body.index("Check the fuser")


def test_markup_from_outside_renders_inert(client, me, crew):
    evil = TicketFactory(
        team=crew,
        subject="<script>alert('subject')</script>",
        customer_name="<b onmouseover=alert(1)>Name</b>",
        body_html="<p>Hi</p><script>alert('body')</script><img src=x onerror=alert(3)>",
        body="",
    )
    message = evil.messages.first()
    services.attachment_add(
        message=message, upload=SimpleUploadedFile("<img src=x onerror=alert(4)>.txt", b"hello", "text/plain")
    )
    Customer.objects.filter(pk=evil.customer_id).update(display_name="<b onmouseover=alert(1)>Name</b>")
    client.force_login(me)
    body = client.get(f"/tickets/{evil.reference}/").text
    main = body.split('id="main"', 1)[1].split("</main>", 1)[0]
    assert "<script" not in main
    assert "<img" not in main and "<b onmouseover" not in main
    assert "&lt;img src=x onerror=alert(4)&gt;.txt" in main
    assert "&lt;script&gt;alert(&#x27;subject&#x27;)&lt;/script&gt;" in main
    assert "&lt;b onmouseover=alert(1)&gt;Name&lt;/b&gt;" in main


def test_rtl_text_is_marked_dir_auto(client, me, crew):
    yiddish = TicketFactory(team=crew, subject="מיין באַשטעלונג איז נישט אָנגעקומען", body="ביטע העלפֿט מיר")
    client.force_login(me)
    body = client.get(f"/tickets/{yiddish.reference}/").text
    assert '<h1 class="h4 mb-1" dir="auto">מיין באַשטעלונג איז נישט אָנגעקומען</h1>' in body
    assert 'class="card-body py-2 message-body" dir="auto"' in body


def test_history_shows_who_what_before_after(client, me, ticket):
    services.ticket_set_priority(ticket=ticket, priority="urgent", by=me)
    services.ticket_assign(ticket=ticket, assignee=me, by=me)
    client.force_login(me)
    response = client.get(f"/tickets/{ticket.reference}/")
    entries = {(e.event.kind, e.before, e.after) for e in response.context["page"].history}
    assert ("priority", "Normal", "Urgent") in entries
    assert ("assignee", "—", "Mia Agent") in entries
    assert "Priority changed" in response.text


def test_sla_clocks_follow_kpi_definitions(client, me, ticket):
    now = timezone.now()
    Ticket.objects.filter(pk=ticket.pk).update(
        first_response_due_at=now - timedelta(hours=1), resolution_due_at=now + timedelta(hours=5)
    )
    client.force_login(me)
    clocks = {c.name: c.state for c in client.get(f"/tickets/{ticket.reference}/").context["page"].clocks}
    assert clocks == {"First response": "breached", "Resolution": "pending"}
    Ticket.objects.filter(pk=ticket.pk).update(first_public_reply_at=now - timedelta(hours=2))
    clocks = {c.name: c.state for c in client.get(f"/tickets/{ticket.reference}/").context["page"].clocks}
    assert clocks == {"First response": "achieved", "Resolution": "pending"}


def test_customer_sidebar_shows_lifecycle_risk_history(client, me, crew, ticket):
    customer = ticket.customer
    customer_set_churn_risk(customer=customer, score=0.75, reasons=["Two complaints this month"])
    older = TicketFactory(team=crew, subject="Earlier question", customer_email=ticket.requester_email)
    services.ticket_set_status(ticket=older, status="solved", by=me)
    services.ticket_rate(ticket=older, score=2, comment="Slow answer")
    touchpoint_record(customer=customer, type="purchase", occurred_at=timezone.now(), value=120)
    # Set after the events: recording an event replays the stage from the customer's history.
    Customer.objects.filter(pk=customer.pk).update(
        stage=Stage.RETENTION, stage_since=timezone.now() - timedelta(days=40)
    )
    client.force_login(me)
    body = client.get(f"/tickets/{ticket.reference}/").text
    assert "Retention" in body and "for 40 d" in body
    assert "Churn risk 0.75" in body and "Two complaints this month" in body
    assert "Earlier question" in body
    assert "Slow answer" in body and "2 of 5" in body
    assert "Purchase · 120" in body
    assert f'href="/customers/{customer.pk}/"' in body


def test_no_churn_badge_below_threshold(client, me, ticket):
    customer_set_churn_risk(customer=ticket.customer, score=0.59, reasons=["Quiet"])
    client.force_login(me)
    assert "Churn risk" not in client.get(f"/tickets/{ticket.reference}/").text


def test_ticket_page_queries_do_not_grow_with_messages(
    client, me, crew, ticket, django_assert_max_num_queries
):
    CannedReplyFactory()
    other = TicketFactory(team=crew, customer_email=ticket.requester_email)
    services.ticket_rate(ticket=other, score=5)
    for i in range(12):
        message = services.ticket_note(ticket=ticket, by=me, body=f"Note {i}")
        services.attachment_add(
            message=message, upload=SimpleUploadedFile(f"log{i}.txt", b"x" * 10, "text/plain")
        )
        services.ticket_set_priority(ticket=ticket, priority=["high", "low"][i % 2], by=me)
    client.force_login(me)
    with django_assert_max_num_queries(TICKET_PAGE_QUERIES + DIRECTORY_QUERIES):
        client.get(f"/tickets/{ticket.reference}/")  # the first page reads the directory too
    with django_assert_max_num_queries(TICKET_PAGE_QUERIES):
        response = client.get(f"/tickets/{ticket.reference}/")
    assert len(response.context["page"].messages) == 13
    assert response.text.count("bi-paperclip") == 12


# session, user with roles and teams (accounts.backends, tickets.teams), ticket with tags, messages
# with their files, events, other tickets, ratings, touchpoints (and former agents named on the page,
# if any). Agents, teams and canned replies come from the cached directory (tickets/directory.py),
# read once for many pages.
TICKET_PAGE_QUERIES = 8
DIRECTORY_QUERIES = 3


def _busy(ticket, me, crew, *, messages):
    """A ticket with `messages` notes (each with a file) and changes of every kind in its history."""
    other_team = team(name=f"Blue {ticket.pk}")
    for i in range(messages):
        message = services.ticket_note(ticket=ticket, by=me, body=f"Note {i}")
        services.attachment_add(message=message, upload=SimpleUploadedFile(f"f{i}.txt", b"x", "text/plain"))
        services.ticket_assign(ticket=ticket, assignee=me if i % 2 else None, by=me)
        services.ticket_set_team(ticket=ticket, team=other_team if i % 2 else crew, by=me)
        services.ticket_set_tags(ticket=ticket, tags=[f"t{i}"], by=me)


def test_ticket_page_queries_are_the_same_for_a_short_and_a_long_history(client, me, crew, ticket):
    CannedReplyFactory()
    long = TicketFactory(team=crew, customer_email=ticket.requester_email)
    services.ticket_rate(ticket=long, score=4)
    _busy(ticket, me, crew, messages=2)
    _busy(long, me, crew, messages=20)
    client.force_login(me)
    client.get(f"/tickets/{ticket.reference}/")
    counts = []
    for each in (ticket, long):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/tickets/{each.reference}/").status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1] <= TICKET_PAGE_QUERIES
