"""Demo and benchmark data: realistic, reproducible, fast.

`manage.py seed_demo` calls one module per app, in dependency order. Seeding writes in bulk
(COPY on PostgreSQL, batched INSERTs elsewhere) rather than through the services, because it
makes history that already happened; every row it writes is one a service could have written.
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import random
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice

from django.db import connection, connections, models, transaction
from django.utils import timezone

from .texts import LANGUAGES


@dataclass
class Seeder:
    """What every app's seeding step gets: the options, a seeded RNG and bulk writers."""

    tickets: int
    customers: int
    seed: int
    now: datetime = field(default_factory=timezone.now)
    years: int = 2
    log: callable = print
    # Processes that make the customers and the ticket history at once (PostgreSQL; see in_processes).
    workers: int = 1
    # Filled by the steps, for the steps after them.
    ids: dict[str, list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)  # nosec B311  # seeded demo data, not secrets

    @property
    def start(self) -> datetime:
        return self.now - timedelta(days=365 * self.years)

    def random_instant(self, rng: random.Random | None = None) -> datetime:
        rng = rng or self.rng
        span = (self.now - self.start).total_seconds()
        # More recent days are busier: a gentle growth curve.
        return self.start + timedelta(seconds=span * (rng.random() ** 0.8))

    def language(self, rng: random.Random | None = None) -> str:
        rng = rng or self.rng
        codes, weights = zip(*[(code, lang.weight) for code, lang in LANGUAGES.items()], strict=True)
        return rng.choices(codes, weights)[0]

    def insert(self, model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence]) -> int:
        """Insert `rows` (tuples in `columns` order) into `model`'s table, as fast as the backend allows."""
        fields = [model._meta.get_field(c) for c in columns]
        names = [f.column for f in fields]
        if connection.vendor == "postgresql":
            return _copy_rows(model._meta.db_table, names, fields, rows)
        return _insert_rows(model._meta.db_table, names, fields, rows)

    def insert_lines(self, model: type[models.Model], columns: Sequence[str], lines: Iterable[str]) -> int:
        """Insert rows given as lines of PostgreSQL's COPY text format (values separated by tabs,
        NULL as \\N, text escaped by `copy_text`, JSON columns as JSON text, each line ending in a
        newline): made with one f-string a row, the cheapest way for Python to make many rows."""
        fields = [model._meta.get_field(c) for c in columns]
        names = [f.column for f in fields]
        if connection.vendor == "postgresql":
            return _copy_lines(model._meta.db_table, names, lines)
        return _insert_rows(model._meta.db_table, names, fields, _rows_from_lines(fields, lines))

    def next_id(self, model: type[models.Model]) -> int:
        last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
        return (last or 0) + 1

    def reset_sequence(self, model: type[models.Model]) -> None:
        """After inserting explicit ids, move the PostgreSQL sequence past them."""
        if connection.vendor != "postgresql":
            return
        table, pk = model._meta.db_table, model._meta.pk.column
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{pk}'), "  # noqa: S608 - names from models
                f"COALESCE((SELECT MAX({pk}) FROM {table}), 1))"
            )


def seed_steps(seeder: Seeder, steps) -> None:
    """Run each app's seeding step in order, each in its own transaction unless it manages its own
    (MANAGES_TRANSACTIONS: the ticket history, written by several processes), logging its time."""
    for step in steps:
        started = time.monotonic()
        if getattr(step, "MANAGES_TRANSACTIONS", False):
            step.seed(seeder)
        else:
            with transaction.atomic():
                step.seed(seeder)
        seeder.log(f"({step.__name__.rsplit('.', 1)[-1]}: {time.monotonic() - started:.1f}s)")


def in_processes(work: Callable, items: Iterable, workers: int) -> Iterator:
    """`work(item)` for every item in `workers` forked processes, each on its own connection; yields
    the results as they come (in any order).

    The processes share the parent's prepared state by forking. Each item's work runs in its own
    transaction and commits, so this is for PostgreSQL outside a transaction only: what the parent
    has not committed is not seen.
    """
    global _FORKED_WORK
    _FORKED_WORK = work
    try:
        with multiprocessing.get_context("fork").Pool(workers, initializer=_forked_connection) as pool:
            yield from pool.imap_unordered(_forked_call, items)
    finally:
        _FORKED_WORK = None


# What a forked worker process runs (set in the parent before the fork) and the parent's connections
# it inherited.
_FORKED_WORK: Callable | None = None
_INHERITED: list = []


def _forked_connection() -> None:
    """In a forked worker: leave the parent's database connections alone (closing one would end
    the parent's session, their socket being shared) and let Django open new ones."""
    for alias in connections:
        try:
            _INHERITED.append(connections[alias])  # kept referenced: never closed or collected here
            del connections[alias]
        except AttributeError:
            pass


def _forked_call(item):
    try:
        with transaction.atomic():
            return _FORKED_WORK(item)
    finally:
        connection.close()


class Json(str):
    """JSON text already serialised by the caller: written as is into a JSONField (saves a dumps per row)."""


def _json_text(value) -> str:
    return value if type(value) is Json else json.dumps(value)


def _copy_rows(table: str, names: list[str], fields: list[models.Field], rows: Iterable[Sequence]) -> int:
    """One streaming COPY: rows are turned into CSV as PostgreSQL asks for more, so a lazy `rows`
    is generated while the server is still storing the rows sent before (two cores work at once)."""
    stream = _CsvStream(rows, [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)])
    with connection.cursor() as cursor:
        cursor.copy_expert(
            f"COPY {table} ({', '.join(names)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", stream, 1 << 16
        )
    return stream.count


class _CsvStream:
    """A file-like reader of CSV text made from `rows` on demand.

    Values go to csv as they are (str() of a datetime, a bool or a Decimal is valid PostgreSQL
    input); only None (-> \\N) and JSON columns need converting, so each row costs little.
    """

    BATCH = 512

    def __init__(self, rows: Iterable[Sequence], json_columns: list[int]):
        self.rows = iter(rows)
        self.json_columns = json_columns
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer)
        self.count = 0

    def read(self, size: int = -1) -> str:
        buffer, writer, null = self.buffer, self.writer, "\\N"
        json_columns = self.json_columns
        while size < 0 or buffer.tell() < size:
            batch = []
            for row in self.rows:
                row = [null if v is None else v for v in row]
                for i in json_columns:
                    if row[i] is not null:
                        row[i] = _json_text(row[i])
                batch.append(row)
                if len(batch) == self.BATCH:
                    break
            if not batch:
                break
            writer.writerows(batch)
            self.count += len(batch)
        data = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return data

    def readline(self, size: int = -1) -> str:  # psycopg2 only calls read(); this completes the file API
        return self.read(size)


def copy_text(value: str) -> str:
    """`value` escaped for COPY's text format."""
    return value.translate(_COPY_ESCAPES)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_UNESCAPES = {"\\\\": "\\", "\\t": "\t", "\\n": "\n", "\\r": "\r"}


def _copy_lines(table: str, names: list[str], lines: Iterable[str]) -> int:
    """One streaming COPY of text-format lines, joined into blocks as PostgreSQL asks for more."""
    stream = _LineStream(lines)
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {table} ({', '.join(names)}) FROM STDIN", stream, 1 << 16)
    return stream.count


class _LineStream:
    """A file-like reader over `lines`, read `BATCH` lines at a time."""

    BATCH = 1024

    def __init__(self, lines: Iterable[str]):
        self.lines = iter(lines)
        self.count = 0

    def read(self, size: int = -1) -> str:
        block = list(islice(self.lines, self.BATCH))
        self.count += len(block)
        return "".join(block)

    def readline(self, size: int = -1) -> str:  # psycopg2 only calls read(); this completes the file API
        return self.read(size)


def _rows_from_lines(fields: list[models.Field], lines: Iterable[str]) -> Iterator[list]:
    """COPY text-format lines back into rows of values, for the backends that have no COPY."""
    json_columns = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
    for line in lines:
        row = [
            None if value == "\\N" else _COPY_UNESCAPE.sub(lambda m: _COPY_UNESCAPES[m[0]], value)
            for value in line.rstrip("\n").split("\t")
        ]
        for i in json_columns:
            if row[i] is not None:
                row[i] = Json(row[i])
        yield row


_COPY_UNESCAPE = re.compile(r"\\[\\tnr]")


def _insert_rows(table: str, names: list[str], fields: list[models.Field], rows: Iterable[Sequence]) -> int:
    sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(['%s'] * len(names))})"  # noqa: S608
    count, batch = 0, []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(
                [
                    f.get_db_prep_value(json.loads(v) if type(v) is Json else v, connection)
                    if v is not None
                    else None
                    for f, v in zip(fields, row, strict=True)
                ]
            )
            if len(batch) >= 5_000:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch.clear()
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count
