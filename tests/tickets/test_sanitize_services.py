import pytest

from helpdesk.roles import AGENT
from tests.factories import TicketFactory, staff_user
from tickets.sanitize import clean_html, html_to_text, plain_text, text_to_html
from tickets.services import ticket_reply

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "dirty, clean",
    [
        ("<script>alert(1)</script>Hi", "Hi"),
        ('<img src=x onerror="alert(1)">', ""),
        ('<a href="javascript:alert(1)">x</a>', '<a rel="noopener noreferrer nofollow">x</a>'),
        (
            '<a href="https://example.test/" target="_blank">x</a>',
            '<a href="https://example.test/" rel="noopener noreferrer nofollow">x</a>',
        ),
        ('<p style="color:red" onclick="x()" class="c">Hi</p>', "<p>Hi</p>"),
        ("<style>body{display:none}</style><b>bold</b>", "<b>bold</b>"),
        ('<iframe src="https://evil.test"></iframe>ok', "ok"),
        ('<p dir="rtl">שלום</p>', '<p dir="rtl">שלום</p>'),
        ("<svg><script>alert(1)</script></svg>", ""),
        ('<form action="x"><input name="p"></form>text', "text"),
        ("<!-- comment -->visible", "visible"),
        ('<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>', '<a rel="noopener noreferrer nofollow">x</a>'),
    ],
)
def test_clean_html_allowlist(dirty, clean):
    assert clean_html(dirty) == clean


def test_text_to_html_escapes_and_keeps_lines():
    assert (
        text_to_html("<b>Hi</b>\nline two\n\nsecond & para")
        == "<p>&lt;b&gt;Hi&lt;/b&gt;<br>line two</p><p>second &amp; para</p>"
    )


def test_html_to_text_drops_tags_and_scripts():
    assert html_to_text("<p>Hello <b>you</b></p><script>x()</script><p>Bye&amp;</p>") == "Hello you\n\nBye&"


def test_plain_text_strips_control_and_bidi_override_characters():
    assert plain_text("a\x00b\u202ec\u2066d\n", single_line=True) == "abcd"


def test_script_in_subject_body_and_customer_name_is_stored_inert():
    ticket = TicketFactory(
        subject="<script>alert('subject')</script>",
        customer_name="<img src=x onerror=alert(1)>",
        body="",
        body_html="<p>Hello</p><script>alert('body')</script><a href='javascript:alert(2)'>click</a>",
    )
    message = ticket.messages.get()
    assert "<script" not in message.body_html
    assert "javascript:" not in message.body_html
    assert message.body_text == "Hello\nclick"
    # Subjects and names are plain text: stored as written, escaped by templates when shown.
    assert ticket.subject == "<script>alert('subject')</script>"
    reply = ticket_reply(ticket=ticket, by=staff_user(AGENT), body="<script>alert(3)</script>")
    assert reply.body_html == "<p>&lt;script&gt;alert(3)&lt;/script&gt;</p>"
