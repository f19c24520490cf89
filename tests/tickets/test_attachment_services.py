import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from helpdesk.roles import AGENT
from tests.factories import TicketFactory, staff_user
from tickets.models import Attachment
from tickets.services import attachment_add, attachment_filename, ticket_reply

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def message(ticket):
    return ticket.messages.get()


def test_attachment_add_stores_under_a_random_token(message):
    attachment = attachment_add(message=message, upload=SimpleUploadedFile("report.pdf", b"%PDF-1.7 data"))
    assert attachment.filename == "report.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.size == 13
    assert attachment.token in attachment.file.name
    assert "report" not in attachment.file.name
    assert attachment.file.read() == b"%PDF-1.7 data"


@pytest.mark.parametrize(
    "content, claimed, expected",
    [
        (PNG, "image/png", "image/png"),
        (b"\xff\xd8\xff\xe0JFIF", "image/png", "image/jpeg"),
        (b"GIF89a....", "text/plain", "image/gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp", "image/webp"),
        (b"<html><script>alert(1)</script>", "image/png", "text/plain"),
        (b"\x00\x01\x02binary", "image/png", "application/octet-stream"),
        (b"PK\x03\x04zip", "application/pdf", "application/zip"),
    ],
)
def test_attachment_add_sniffs_content_type_ignoring_the_claim(message, content, claimed, expected):
    upload = SimpleUploadedFile("file.png", content, content_type=claimed)
    assert attachment_add(message=message, upload=upload).content_type == expected


@pytest.mark.parametrize(
    "name, expected",
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("/absolute/path.txt", "path.txt"),
        ("invoice\u202egnp.exe", "invoicegnp.exe"),
        ("bad\x00name\r\n.txt", "badname .txt"),
        ('quote"d.txt', "quote'd.txt"),
        ("..", "attachment"),
        ("", "attachment"),
        ("<script>alert(1)</script>.png", "script>.png"),
        ("דאָקומענט.pdf", "דאָקומענט.pdf"),
    ],
)
def test_attachment_filename_is_sanitized(name, expected):
    assert attachment_filename(name) == expected


def test_attachment_filename_is_at_most_255_characters():
    name = attachment_filename("a" * 400 + ".pdf")
    assert len(name) == 255
    assert name.endswith(".pdf")


def test_attachment_add_over_size_limit_is_refused(message, settings):
    settings.TICKETS_MAX_ATTACHMENT_BYTES = 10
    with pytest.raises(ValidationError):
        attachment_add(message=message, upload=SimpleUploadedFile("big.txt", b"x" * 11))
    assert not Attachment.objects.exists()


def test_attachment_add_empty_file_is_refused(message):
    with pytest.raises(ValidationError):
        attachment_add(message=message, upload=SimpleUploadedFile("empty.txt", b""))


def test_attachment_add_over_count_limit_is_refused(message, settings):
    settings.TICKETS_MAX_ATTACHMENTS_PER_MESSAGE = 2
    for i in range(2):
        attachment_add(message=message, upload=SimpleUploadedFile(f"{i}.txt", b"x"))
    with pytest.raises(ValidationError):
        attachment_add(message=message, upload=SimpleUploadedFile("3.txt", b"x"))
    assert Attachment.objects.count() == 2


def test_ticket_reply_with_attachment_only(ticket):
    message = ticket_reply(
        ticket=ticket, by=staff_user(AGENT), body="", attachments=[SimpleUploadedFile("shot.png", PNG)]
    )
    assert message.attachments.get().content_type == "image/png"


def test_ticket_reply_with_too_large_attachment_stores_nothing(ticket, settings):
    settings.TICKETS_MAX_ATTACHMENT_BYTES = 5
    with pytest.raises(ValidationError):
        ticket_reply(
            ticket=ticket,
            by=staff_user(AGENT),
            body="See file",
            attachments=[SimpleUploadedFile("a.txt", b"123456")],
        )
    assert ticket.messages.count() == 1
    assert not Attachment.objects.exists()


def test_ticket_create_with_attachment():
    ticket = TicketFactory(attachments=[SimpleUploadedFile("x.gif", b"GIF89a....")])
    assert ticket.messages.get().attachments.get().filename == "x.gif"
