"""manage.py ingest_email PATH...: ingest .eml files, mbox files and Maildir folders.

With --workers N the messages are shared out by sender among N processes (each sender's mail goes
to one of them, in order, so a customer's reply never overtakes the message it answers). Every
process ingests its share in batches through the same service; a message delivered twice is
stored once whichever process sees it (the database refuses the second).
"""

import logging
import multiprocessing
import re
import time
import zlib
from collections.abc import Iterable, Iterator
from email.utils import parseaddr
from itertools import islice
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from tickets.channels.email.batch import emails_receive
from tickets.channels.email.sources import UnknownSource, raw_messages
from tickets.models import RawEmail

BATCH = 500
logger = logging.getLogger(__name__)
_BLANK_LINE = re.compile(rb"\r?\n\r?\n")
_FROM = re.compile(rb"^From:[ \t]*([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)", re.IGNORECASE | re.MULTILINE)


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
            help="Emails stored and processed together (one insert per table; a bad email is retried alone).",
        )
        parser.add_argument(
            "--workers", type=int, default=1, help="Processes to share the messages among, by sender."
        )

    def handle(self, *args, paths: list[Path], batch: int, workers: int, **options):
        for path in paths:
            if not path.exists():
                raise CommandError(f"{path} does not exist.")
        started = time.monotonic()
        messages = _all_messages(paths)
        try:
            if workers > 1:
                counts = _in_processes(messages, max(batch, 1), workers)
            else:
                counts = _ingest(messages, max(batch, 1))
        except UnknownSource as exc:
            raise CommandError(str(exc)) from exc
        total = sum(counts.values())
        elapsed = time.monotonic() - started
        summary = ", ".join(f"{RawEmail.State(k).label.lower()}: {v}" for k, v in sorted(counts.items()))
        rate = total / elapsed if elapsed else 0.0
        self.stdout.write(
            f"Ingested {total} emails in {elapsed:.1f}s ({rate:.0f}/s). {summary or 'Nothing to do.'}"
        )


def _ingest(messages: Iterable[bytes], batch: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    for chunk in _chunks(messages, batch):
        # Files stay where they are, so a batch lost to a crash is simply ingested again.
        for row in emails_receive(raws=chunk, source=RawEmail.Source.FILE):
            counts[row.state] = counts.get(row.state, 0) + 1
    return counts


def _in_processes(messages: Iterable[bytes], batch: int, workers: int) -> dict[str, int]:
    """Share the messages out by sender among `workers` forked processes; their counts, summed."""
    connections.close_all()  # each process opens its own connection
    context = multiprocessing.get_context("fork")
    queues = [context.Queue(maxsize=4) for _ in range(workers)]
    results = context.Queue()
    processes = [context.Process(target=_worker, args=(queue, results, batch)) for queue in queues]
    for process in processes:
        process.start()
    try:
        _share_out(messages, queues, batch)
    finally:
        for queue in queues:
            queue.put(None)
    counts: dict[str, int] = {}
    failed = False
    for _ in processes:
        done, broke = results.get()
        failed |= broke
        for state, number in done.items():
            counts[state] = counts.get(state, 0) + number
    for process in processes:
        process.join()
    if failed or any(process.exitcode for process in processes):
        raise CommandError("An ingestion process failed; run the command again (stored mail is skipped).")
    return counts


def _share_out(messages: Iterable[bytes], queues: list, batch: int) -> None:
    pending: list[list[bytes]] = [[] for _ in queues]
    for raw in messages:
        index = zlib.crc32(_sender(raw)) % len(queues)
        pending[index].append(raw)
        if len(pending[index]) >= batch:
            queues[index].put(pending[index])
            pending[index] = []
    for queue, share in zip(queues, pending, strict=True):
        if share:
            queue.put(share)


def _worker(queue, results, batch: int) -> None:
    counts: dict[str, int] = {}
    failed = False
    try:
        counts = _ingest((raw for chunk in iter(queue.get, None) for raw in chunk), batch)
    except Exception:
        logger.exception("An ingestion process failed")
        failed = True
        for _ in iter(queue.get, None):  # let the parent finish sharing out
            pass
    finally:
        connections.close_all()
        results.put((counts, failed))


def _sender(raw: bytes) -> bytes:
    """The From address, read cheaply (the key that keeps a sender's mail in one process)."""
    end = _BLANK_LINE.search(raw)
    match = _FROM.search(raw, 0, end.start() if end else len(raw))
    if match is None:
        return raw[:200]
    return parseaddr(match[1].decode("ascii", "replace"))[1].lower().encode() or raw[:200]


def _all_messages(paths: list[Path]) -> Iterator[bytes]:
    for path in paths:
        yield from raw_messages(path)


def _chunks(items: Iterable[bytes], size: int) -> Iterator[list[bytes]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
