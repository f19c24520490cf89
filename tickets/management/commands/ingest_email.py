"""manage.py ingest_email PATH...: ingest .eml files, mbox files and Maildir folders."""

import time
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tickets.channels.email.ingest import email_receive
from tickets.channels.email.sources import UnknownSource, raw_messages
from tickets.models import RawEmail


class Command(BaseCommand):
    help = "Ingest emails from .eml files, mbox files or Maildir folders (the same service as IMAP and HTTP)."

    def add_arguments(self, parser):
        parser.add_argument(
            "paths", nargs="+", type=Path, help=".eml file, mbox file, Maildir or folder of .eml"
        )
        parser.add_argument(
            "--batch",
            type=int,
            default=BATCH,
            help="Emails per database transaction (each has its own savepoint).",
        )

    def handle(self, *args, paths: list[Path], batch: int, **options):
        counts: dict[str, int] = {}
        started = time.monotonic()
        try:
            for chunk in _chunks(_all_messages(paths), max(batch, 1)):
                # Files stay where they are, so a batch lost to a crash is simply ingested again;
                # one commit per batch instead of two per email is what makes bulk imports fast.
                with transaction.atomic():
                    for raw in chunk:
                        state = email_receive(raw=raw, source=RawEmail.Source.FILE).state
                        counts[state] = counts.get(state, 0) + 1
        except UnknownSource as exc:
            raise CommandError(str(exc)) from exc
        total = sum(counts.values())
        elapsed = time.monotonic() - started
        summary = ", ".join(f"{RawEmail.State(k).label.lower()}: {v}" for k, v in sorted(counts.items()))
        rate = total / elapsed if elapsed else 0.0
        self.stdout.write(
            f"Ingested {total} emails in {elapsed:.1f}s ({rate:.0f}/s). {summary or 'Nothing to do.'}"
        )


BATCH = 200


def _all_messages(paths: list[Path]) -> Iterator[bytes]:
    for path in paths:
        yield from raw_messages(path)


def _chunks(items: Iterable[bytes], size: int) -> Iterator[list[bytes]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
