"""The ticket page's reads without joins: files with their messages, people named from the directory.

Each is compared with the plain query it replaces (selectors.ticket_page), on both databases.
"""

import random

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from helpdesk.roles import AGENT
from tests.factories import TicketFactory
from tests.tickets.workspace import agent_in, team
from tickets import services
from tickets.directory import directory
from tickets.models import Attachment, Message, TicketEvent
from tickets.selectors import ticket_for_agent, ticket_page

pytestmark = pytest.mark.django_db

ODD_FILENAMES = [
    'quote".txt',
    "back\\slash.log",
    "[1].json",
    "שלום.pdf",
    "emoji 🎉.png",
    "a,b;c.csv",
    "x\x1fy.txt",
]


def _display(user) -> str:
    return user.get_full_name() or user.get_username() if user else ""


def test_each_message_comes_with_its_files_as_the_attachment_query_gives_them():
    rng = random.Random(5)
    crew = team()
    me = agent_in(crew)
    ticket = TicketFactory(team=crew)
    for i in range(8):
        message = services.ticket_note(ticket=ticket, by=me, body=f"Note {i}")
        for _ in range(rng.randint(0, 3)):
            name = rng.choice(ODD_FILENAMES)
            services.attachment_add(
                message=message, upload=SimpleUploadedFile(name, b"x" * rng.randint(1, 5000), "text/plain")
            )
    page = ticket_page(user=me, ticket=ticket_for_agent(user=me, reference=ticket.reference))
    for message in page.messages:
        expected = [
            (a.token, a.filename, a.size) for a in Attachment.objects.filter(message=message).order_by("pk")
        ]
        assert [(f.token, f.filename, f.size) for f in message.files] == expected
    total = Attachment.objects.filter(message__ticket=ticket).count()
    assert sum(len(m.files) for m in page.messages) == total


def test_people_are_named_as_their_user_rows_name_them_former_agents_too(client):
    crew = team()
    me = agent_in(crew, first_name="Mia", last_name="Agent")
    former = agent_in(crew, username="gone", first_name="", last_name="")
    ticket = TicketFactory(team=crew)
    services.ticket_reply(ticket=ticket, by=former, body="From someone who left")
    services.ticket_assign(ticket=ticket, assignee=former, by=me)
    services.ticket_assign(ticket=ticket, assignee=me, by=former)
    services.ticket_note(ticket=ticket, by=me, body="Still here")
    former.groups.remove(Group.objects.get(name=AGENT))  # no longer in the directory
    client.force_login(me)
    client.get(f"/tickets/{ticket.reference}/")  # the directory, read once
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/tickets/{ticket.reference}/")
    with_former = len(captured)  # now: the captured list is read from the log, which later requests reset
    page = response.context["page"]
    assert former.pk not in {a.pk for a in directory().agents}

    events = {e.pk: e for e in TicketEvent.objects.select_related("actor").filter(ticket=ticket)}
    expected_actors = [_display(events[e.event.pk].actor) for e in page.history]
    assert [entry.actor for entry in page.history] == expected_actors
    assert ("gone", "Mia Agent") in {(e.before, e.after) for e in page.history if e.event.kind == "assignee"}
    messages = {m.pk: m for m in Message.objects.select_related("author").filter(ticket=ticket)}
    for message in page.messages:
        expected = "" if message.sender == "customer" else _display(messages[message.pk].author)
        assert message.author_name == expected
    assert '<strong dir="auto">gone</strong>' in response.text

    # Naming the former agent cost one query; a ticket naming only current agents costs none.
    plain = TicketFactory(team=crew)
    services.ticket_reply(ticket=plain, by=me, body="Hello")
    client.get(f"/tickets/{plain.reference}/")
    with CaptureQueriesContext(connection) as captured:
        client.get(f"/tickets/{plain.reference}/")
    current_only = captured.captured_queries
    assert with_former == len(current_only) + 1
    assert not any(q["sql"].startswith('SELECT "auth_user"') for q in current_only[2:])
