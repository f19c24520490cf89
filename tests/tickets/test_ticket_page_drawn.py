"""The conversation and history drawn in Python (message_card, history_row) give the HTML the
templates gave: compared with the template the conversation used before, on varied messages."""

import random
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Engine

from tests.factories import TicketFactory
from tests.tickets.workspace import agent_in, team
from tickets import services
from tickets.selectors import ticket_for_agent, ticket_page
from tickets.templatetags.workspace import message_card

pytestmark = pytest.mark.django_db

# templates/tickets/_message.html as it was, naming the author from `author_name` as the page now does.
TEMPLATE_BEFORE = (Path(__file__).parent / "message_before.html").read_text()

ODD = ['<b>bold</b> & "quotes"', "שלום עולם", "line one\nline two", "{braces} {0}", "emoji 🎉", "  spaced  "]


def _same(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()


def test_message_cards_match_the_template_they_replace(client):
    rng = random.Random(3)
    crew = team()
    me = agent_in(crew, first_name=rng.choice(ODD), last_name="")
    ticket = TicketFactory(team=crew, customer_name=rng.choice(ODD), body=rng.choice(ODD))
    for _ in range(12):
        body = rng.choice(ODD)
        kind = rng.choice(["reply", "note", "system", "customer"])
        if kind == "reply":
            message = services.ticket_reply(ticket=ticket, by=me, body=body)
        elif kind == "note":
            message = services.ticket_note(ticket=ticket, by=me, body=body)
        elif kind == "system":
            message = services.ticket_system_message(ticket=ticket, body=body)
        else:
            message = services.ticket_customer_message(
                ticket=ticket, body=body, body_html=f"<p>{body}</p><script>x</script>"
            )
        for _file in range(rng.randint(0, 2)):
            services.attachment_add(
                message=message,
                upload=SimpleUploadedFile(
                    rng.choice(ODD).strip() + ".txt", b"x" * rng.randint(1, 3_000_000), "text/plain"
                ),
            )
    page = ticket_page(user=me, ticket=ticket_for_agent(user=me, reference=ticket.reference))
    engine = Engine.get_default()
    before = engine.from_string(TEMPLATE_BEFORE)
    assert len(page.messages) == 13
    for message in page.messages:
        expected = before.render(Context({"message": message, "ticket": page.ticket}))
        assert _same(message_card(message, page.ticket)) == _same(expected)


def test_the_page_draws_the_conversation_and_history(client):
    crew = team()
    me = agent_in(crew, first_name="<i>Mia</i>", last_name="")
    ticket = TicketFactory(team=crew, body="Hello <there>")
    services.ticket_note(ticket=ticket, by=me, body="Check")
    services.ticket_set_priority(ticket=ticket, priority="urgent", by=me)
    client.force_login(me)
    html = client.get(f"/tickets/{ticket.reference}/").text
    assert "Hello &lt;there&gt;" in html
    assert '<strong dir="auto">&lt;i&gt;Mia&lt;/i&gt;</strong>' in html
    assert '<td dir="auto">&lt;i&gt;Mia&lt;/i&gt;</td><td>Priority changed</td>' in html
    assert '<td dir="auto">System</td>' in html


def test_a_message_read_elsewhere_draws_the_same_card():
    crew = team()
    me = agent_in(crew, first_name="Ann", last_name="Lee")
    ticket = TicketFactory(team=crew)
    note = services.ticket_note(ticket=ticket, by=me, body="See the log")
    services.attachment_add(message=note, upload=SimpleUploadedFile("log.txt", b"x", "text/plain"))
    page = ticket_page(user=me, ticket=ticket_for_agent(user=me, reference=ticket.reference))
    prepared = next(m for m in page.messages if m.pk == note.pk)
    plain = type(note).objects.get(pk=note.pk)
    assert message_card(plain, page.ticket) == message_card(prepared, page.ticket)
    assert "Ann Lee" in message_card(plain, page.ticket) and "log.txt" in message_card(plain, page.ticket)
