"""Headers are decoded only where they are read: the sender's address is parsed before its encoded
display name is decoded (a name may spell out another address), names and subjects come out as
text, raw UTF-8 and RFC 2047 alike."""

import base64

from tickets.channels.email.parse import parse_email


def _word(text: str) -> str:
    return f"=?utf-8?b?{base64.b64encode(text.encode()).decode()}?="


def _raw(sender: str, subject: str = "Hello", to: str = "support@helpdesk.localhost") -> bytes:
    head = f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <p-1@x.example>\r\n"
    return f"{head}\r\nBody\r\n".encode()


def test_an_encoded_name_that_spells_an_address_is_not_the_sender():
    parsed = parse_email(_raw(f"{_word('<boss@company.example>')} <attacker@evil.example>"))
    assert parsed.from_address == "attacker@evil.example"
    assert parsed.from_name == "<boss@company.example>"


def test_an_encoded_name_with_a_comma_and_markup_stays_the_name():
    parsed = parse_email(_raw(f"{_word('Doe, John <b>')} <john@x.example>"))
    assert (parsed.from_name, parsed.from_address) == ("Doe, John <b>", "john@x.example")


def test_encoded_and_raw_utf8_headers_are_decoded():
    parsed = parse_email(_raw("Jürgen Müller <J@X.example>", subject=f"{_word('Grüße')} aus Köln"))
    assert (parsed.from_name, parsed.from_address, parsed.subject) == (
        "Jürgen Müller",
        "j@x.example",
        "Grüße aus Köln",
    )


def test_recipients_are_read_from_the_addresses_not_the_decoded_names():
    parsed = parse_email(
        _raw("a@x.example", to=f"{_word('<support+HD-1.0@helpdesk.localhost>')} <b@y.example>")
    )
    assert parsed.recipients == ["b@y.example"]


def test_a_folded_sender_with_nul_bytes_reads_as_one_line():
    raw = b"From: Da\x00na\r\n\tExample <da\x00na@x.example>\r\nSubject: s\r\n"
    raw += b"Message-ID: <p-2@x.example>\r\n\r\nB\r\n"
    parsed = parse_email(raw)
    assert (parsed.from_name, parsed.from_address) == ("Dana Example", "dana@x.example")
