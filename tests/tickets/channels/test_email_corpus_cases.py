"""The email corpus: every case with its expected result (ticket created or threaded, text shown,
attachments, ignored, quarantined). Files are in corpus/; `after` ingests earlier mail first."""

import pytest

from tickets.models import Message, RawEmail, Ticket

CREATED, THREADED = RawEmail.State.CREATED, RawEmail.State.THREADED
IGNORED, QUARANTINED = RawEmail.State.IGNORED, RawEmail.State.QUARANTINED

CASES = [
    # file, earlier mail, state, shown text (must contain), must not contain, attachment names
    ("plain.eml", [], CREATED, "my printer stopped printing", [], []),
    ("html_only.eml", [], CREATED, "The invoice is wrong.", ["alert(1)"], []),
    ("alternative.eml", [], CREATED, "Plain version of the question.", [], []),
    ("latin1.eml", [], CREATED, "Café crème, s'il vous plaît.", [], []),
    ("wrong_charset.eml", [], CREATED, "Grüße aus Köln.", [], []),
    ("unknown_charset.eml", [], CREATED, "Naïve text.", [], []),
    ("encoded_headers.eml", [], CREATED, "لم يصل طلبي بعد.", [], []),
    ("attachment.eml", [], CREATED, "See the attached invoice.", [], ["Rechnung März.pdf"]),
    ("inline_image.eml", [], CREATED, "Look at this:", ["cid:"], ["shot.png"]),
    ("forwarded.eml", [], CREATED, "Your order 4711 has shipped.", [], ["forwarded-message.eml"]),
    ("long_lines.eml", [], CREATED, "word word", [], []),
    ("no_message_id.eml", [], CREATED, "Some clients forget the id.", [], []),
    ("reply_in_reply_to.eml", ["plain.eml"], THREADED, "It works again", ["Head of Printing", "> Hello"], []),
    ("reply_subject_reference.eml", ["plain.eml"], THREADED, "toner is low", ["Original Message"], []),
    ("reply_outlook.eml", ["plain.eml"], THREADED, "Outlook style answer.", ["iPhone", "Sent: Sunday"], []),
    ("stranger_reply.eml", ["plain.eml"], CREATED, "send the details to me", [], []),
    ("fake_agent.eml", ["plain.eml"], CREATED, "I am the agent", [], []),
    ("auto_reply.eml", ["plain.eml"], IGNORED, "out of the office", [], []),
    ("bounce.eml", [], IGNORED, None, [], []),
    ("list.eml", [], IGNORED, None, [], []),
    ("precedence_bulk.eml", [], IGNORED, None, [], []),
    ("x_autoreply.eml", [], IGNORED, None, [], []),
    ("auto_response_suppress.eml", [], IGNORED, None, [], []),
    ("no_sender.eml", [], QUARANTINED, None, [], []),
    ("too_many_attachments.eml", [], QUARANTINED, None, [], []),
]


@pytest.mark.parametrize(("name", "earlier", "state", "shown", "hidden", "attachments"), CASES)
def test_email_corpus_case_gives_expected_result(
    ingest, agent, name, earlier, state, shown, hidden, attachments
):
    first = [ingest(e) for e in earlier]
    tickets_before = Ticket.objects.count()
    raw = ingest(name, ticket=first[0].ticket_id if first else 0)
    raw.refresh_from_db()
    assert raw.state == state, raw.reason
    assert bytes(raw.raw) and raw.size == len(bytes(raw.raw))  # the original is always kept
    assert Ticket.objects.count() == tickets_before + (1 if state == CREATED else 0)
    if state == THREADED:
        assert raw.ticket_id == first[0].ticket_id
        assert raw.message.sender == Message.Sender.CUSTOMER
    if state == CREATED and first:
        assert raw.ticket_id != first[0].ticket_id
        assert raw.ticket.customer_id != first[0].ticket.customer_id
    if state == QUARANTINED:
        assert raw.reason and raw.ticket_id is None
    if shown is not None:
        assert raw.message is not None
        text = raw.message.body_text
        assert shown in text
        assert all(h not in text and h not in raw.message.body_html for h in hidden)
        assert sorted(a.filename for a in raw.message.attachments.all()) == attachments
