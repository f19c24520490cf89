"""Write a Maildir of N realistic inbound emails for the ingestion budget (issue #7).

    python -m bench.email.make_maildir PATH [N] [--known FILE] [--tag TAG]

The mix (fixed by a seeded random stream): about 45 % new requests from new customers, 20 % new
requests from known customers (FILE: one "address<TAB>ticket reference" per line, from the
database), 20 % replies threaded by In-Reply-To/References to an earlier email of the Maildir
(with the quoted history below), 5 % replies to a stored ticket by the [HD-n] reference in the
subject, 5 % auto-replies and 2 % bounces (recorded, never answered), 3 % in other languages with
encoded headers; one in eight has an HTML alternative and one in fifty an attachment. TAG goes
into every Message-ID and new address, so that each run ingests new mail (the same Message-IDs
twice would only measure de-duplication).
"""

from __future__ import annotations

import argparse
import base64
import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

PDF = b"%PDF-1.4\n" + bytes(random.Random(7).getrandbits(8) for _ in range(24_000))  # nosec B311  # benchmark data, not security
SUBJECTS = [
    "Order {n} has not arrived",
    "Invoice {n} is wrong",
    "Cannot sign in",
    "Refund for order {n}",
    "Question about my subscription",
    "The app crashes when I upload",
    "Change my delivery address",
]
BODIES = [
    "Hello,\n\nmy order {n} has not arrived yet. The tracking page says it left the warehouse a week ago."
    " Could you check where it is?\n\nThanks,\n{name}",
    "Hi,\n\nthe invoice for order {n} charges me twice for shipping. Please send a corrected one.\n\n"
    "Best regards\n{name}\n-- \n{name}\nSent from my phone",
    "Good morning,\n\nsince yesterday I cannot sign in: the code never arrives. I tried twice.\n\n{name}",
]
FOREIGN = [
    (
        "=?utf-8?b?{}?=",
        "Mein Paket {n} ist nicht angekommen",
        "Hallo,\n\nmein Paket {n} ist nicht angekommen. Grüße, {name}",
    ),
    (
        "=?utf-8?b?{}?=",
        "Ma commande {n} n'est pas arrivée",
        "Bonjour,\n\nma commande {n} n'est pas arrivée. Merci, {name}",
    ),
]


class Mix:
    """The emails, in delivery order; earlier ones are remembered so that replies can answer them."""

    def __init__(self, count: int, known: list[tuple[str, str]], tag: str):
        self.random, self.count, self.known, self.tag = random.Random(20261122), count, known, tag  # nosec B311  # benchmark data, not security
        self.opened: list[tuple[str, str, str, str]] = []  # (sender, name, Message-ID, subject)
        self.start = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)

    def message(self, n: int) -> bytes:
        roll = self.random.random()
        if roll < 0.20 and self.opened:
            return self._reply(n)
        if roll < 0.25 and self.known and any(ref for _, ref in self.known):
            return self._reference_reply(n)
        if roll < 0.30 and self.opened:
            return self._auto_reply(n)
        if roll < 0.32:
            return self._bounce(n)
        if roll < 0.52 and self.known:
            address, _ = self.random.choice(self.known)
            return self._new(n, address, address.split("@")[0].replace(".", " ").title())
        return self._new(n, f"new{n}-{self.tag}@customers.example", f"Customer {n}")

    def _headers(self, n: int, sender: str, name: str, subject: str, **extra: str) -> list[str]:
        date = format_datetime(self.start + timedelta(seconds=7 * n))
        lines = [
            f"From: {name} <{sender}>",
            "To: Support <support@helpdesk.localhost>",
            f"Subject: {subject}",
            f"Date: {date}",
            f"Message-ID: <{self.tag}.{n}@mail.customers.example>",
            "MIME-Version: 1.0",
        ]
        lines += [f"{key.replace('_', '-')}: {value}" for key, value in extra.items()]
        return lines

    def _new(self, n: int, sender: str, name: str) -> bytes:
        if self.random.random() < 0.06:
            encoding, subject, body = self.random.choice(FOREIGN)
            subject = encoding.format(base64.b64encode(subject.format(n=n).encode()).decode())
        else:
            subject, body = self.random.choice(SUBJECTS), self.random.choice(BODIES)
        subject, body = subject.format(n=n), body.format(n=n, name=name)
        headers = self._headers(n, sender, name, subject)
        self.opened.append((sender, name, f"<{self.tag}.{n}@mail.customers.example>", subject))
        return _assemble(headers, body, html=self.random.random() < 0.125, attach=self.random.random() < 0.02)

    def _reply(self, n: int) -> bytes:
        sender, name, answered, subject = self.random.choice(self.opened[-400:])
        quoted = "\n".join(
            f"> {line}" for line in ("Hello,", "", "my question was about the order.", "Thanks")
        )
        body = f"Thank you, one more detail: the parcel number is {n}.\n\n{name}\n\n"
        body += f"On Monday, {name} wrote:\n{quoted}"
        headers = self._headers(n, sender, name, f"Re: {subject}", In_Reply_To=answered, References=answered)
        return _assemble(headers, body, html=self.random.random() < 0.125)

    def _reference_reply(self, n: int) -> bytes:
        address, reference = self.random.choice([k for k in self.known if k[1]])
        body = "Hello again,\n\nany news on this? It is still not solved.\n\n"
        body += "-----Original Message-----\nFrom: support"
        return _assemble(self._headers(n, address, "Known Customer", f"Re: [{reference}] Your request"), body)

    def _auto_reply(self, n: int) -> bytes:
        sender, name, answered, subject = self.random.choice(self.opened[-400:])
        kind = {"Auto_Submitted": "auto-replied"} if n % 2 else {"X_Autoreply": "yes"}
        headers = self._headers(n, sender, name, f"Out of office: {subject}", In_Reply_To=answered, **kind)
        return _assemble(headers, "I am out of the office until Monday and will read your message then.")

    def _bounce(self, n: int) -> bytes:
        headers = self._headers(
            n,
            "mailer-daemon@mx.customers.example",
            "Mail Delivery System",
            "Undelivered Mail Returned to Sender",
            Return_Path="<>",
        )
        return _assemble(headers, "This is the mail system. Your message could not be delivered.")


def _assemble(headers: list[str], body: str, *, html: bool = False, attach: bool = False) -> bytes:
    text_part = ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit", "", body]
    if html:
        paragraphs = "".join(f"<p>{p}</p>" for p in body.split("\n\n"))
        alternative = [
            "--alt",
            *text_part,
            "--alt",
            "Content-Type: text/html; charset=utf-8",
            "",
            f"<html><body>{paragraphs}</body></html>",
            "--alt--",
        ]
        text_part = ['Content-Type: multipart/alternative; boundary="alt"', "", *alternative]
    if attach:
        encoded = base64.encodebytes(PDF).decode()
        parts = [
            'Content-Type: multipart/mixed; boundary="mix"',
            "",
            "--mix",
            *text_part,
            "--mix",
            'Content-Type: application/pdf; name="invoice.pdf"',
            'Content-Disposition: attachment; filename="invoice.pdf"',
            "Content-Transfer-Encoding: base64",
            "",
            encoded,
            "--mix--",
        ]
        return ("\r\n".join([*headers, *parts]) + "\r\n").encode()
    return ("\r\n".join([*headers, *text_part]) + "\r\n").encode()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("count", type=int, nargs="?", default=10_000)
    parser.add_argument("--known", type=Path, help='lines "address<TAB>ticket reference" of stored customers')
    parser.add_argument("--tag", default="bench", help="goes into every Message-ID and new address")
    args = parser.parse_args(argv)
    known = []
    if args.known:
        for line in args.known.read_text().splitlines():
            address, _, reference = line.partition("\t")
            known.append((address.strip(), reference.strip()))
    for sub in ("cur", "new", "tmp"):
        (args.path / sub).mkdir(parents=True, exist_ok=True)
    mix = Mix(args.count, known, args.tag)
    for n in range(args.count):
        # Maildir names sort in delivery order here, so a reply is ingested after what it answers.
        (args.path / "new" / f"{1_700_000_000 + n:012d}.M{n:06d}P1.bench").write_bytes(mix.message(n))


if __name__ == "__main__":
    main()
