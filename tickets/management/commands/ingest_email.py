"""manage.py ingest_email PATH...: ingest .eml files, mbox files and Maildir folders."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tickets.channels.email.ingest import email_receive
from tickets.channels.email.sources import UnknownSource, raw_messages
from tickets.models import RawEmail


class Command(BaseCommand):
    help = "Ingest emails from .eml files, mbox files or Maildir folders (the same service as IMAP and HTTP)."

    def add_arguments(self, parser):
        parser.add_argument(
            "paths", nargs="+", type=Path, help=".eml file, mbox file, Maildir or folder of .eml"
        )

    def handle(self, *args, paths: list[Path], **options):
        counts: dict[str, int] = {}
        started = time.monotonic()
        for path in paths:
            try:
                for raw in raw_messages(path):
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
