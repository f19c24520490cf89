"""The ticket page reads a ticket's tag names with the ticket (selectors.tag_names_of_ticket)."""

import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import TicketFactory
from tests.tickets.workspace import agent_in, team
from tickets.models import Tag
from tickets.selectors import tag_names_by_ticket, tag_names_of, ticket_for_agent

pytestmark = pytest.mark.django_db

# Names a tag may have when an admin types them: quotes, separators, JSON and HTML specials, RTL.
ODD_NAMES = [
    'say "hi"',
    "a,b",
    "x\x1fy",
    "back\\slash",
    "<b>bold</b>",
    "שלום",
    "emoji-🎉",
    "[1]",
    "{}",
    "Zeta",
    "alpha",
]


def test_annotated_tag_names_equal_the_query_on_random_tickets():
    rng = random.Random(11)
    crew = team()
    me = agent_in(crew)
    tags = [Tag.objects.create(name=name) for name in ODD_NAMES]
    made = [TicketFactory(team=crew) for _ in range(12)]
    for ticket in made:
        ticket.tags.set(rng.sample(tags, rng.randint(0, len(tags))))
    expected = tag_names_by_ticket([t.pk for t in made])
    for ticket in made:
        found = ticket_for_agent(user=me, reference=ticket.reference)
        assert found._tag_names == expected[ticket.pk]
        with CaptureQueriesContext(connection) as captured:
            assert tag_names_of(found) == expected[ticket.pk]
        assert len(captured) == 0


def test_a_ticket_read_without_the_annotation_asks_the_database():
    crew = team()
    ticket = TicketFactory(team=crew)
    ticket.tags.set([Tag.objects.create(name="billing"), Tag.objects.create(name="api")])
    assert tag_names_of(ticket) == ["api", "billing"]


def test_the_page_shows_the_annotated_tags(client):
    crew = team()
    me = agent_in(crew)
    ticket = TicketFactory(team=crew)
    ticket.tags.set([Tag.objects.create(name="<b>bold</b>"), Tag.objects.create(name="שלום")])
    client.force_login(me)
    html = client.get(f"/tickets/{ticket.reference}/").text
    assert "&lt;b&gt;bold&lt;/b&gt;</span>" in html
    assert "<b>bold</b>" not in html
    assert "שלום</span>" in html


def test_the_annotations_hold_inside_a_subquery_where_django_renames_the_table():
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db.models import OuterRef, Subquery

    from tickets import services
    from tickets.models import Message, Ticket
    from tickets.selectors import files_of_message, tag_names_of_ticket

    crew = team()
    me = agent_in(crew)
    made = [TicketFactory(team=crew) for _ in range(3)]
    made[0].tags.set([Tag.objects.create(name="b"), Tag.objects.create(name="a")])
    made[2].tags.set([Tag.objects.get(name="b")])
    note = services.ticket_note(ticket=made[1], by=me, body="files")
    for name in ("one.txt", "two.txt"):
        services.attachment_add(message=note, upload=SimpleUploadedFile(name, b"x", "text/plain"))

    inner = Ticket.objects.annotate(names=tag_names_of_ticket()).filter(pk=OuterRef("pk")).values("names")
    found = dict(
        Ticket.objects.filter(pk__in=[t.pk for t in made])
        .annotate(names=Subquery(inner[:1]))
        .values_list("pk", "names")
    )
    assert found == {made[0].pk: ["a", "b"], made[1].pk: [], made[2].pk: ["b"]}

    files = Message.objects.annotate(files=files_of_message()).filter(pk=OuterRef("pk")).values("files")
    read = Message.objects.filter(pk=note.pk).annotate(files=Subquery(files[:1]))
    assert [name for _, name, _ in read.values_list("files", flat=True).get()] == ["one.txt", "two.txt"]
