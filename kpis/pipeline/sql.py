"""Running the pipeline's statements, and what a bulk load does differently on PostgreSQL."""

import hashlib
import weakref

from django.db import connection

from ..dialect import is_postgres

SCOPE = "(SELECT ticket_id FROM kpis_workticket)"
CUSTOMER_SCOPE = "(SELECT customer_id FROM kpis_workcustomer)"


# The statements prepared on each PostgreSQL connection (they live as long as the session).
_prepared: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def run(sql: str, params: list | tuple = (), *, prepare: bool = False) -> int:
    """Execute one statement; `prepare` plans it once per connection (PostgreSQL).

    The incremental run repeats a few long statements over a small scope: planning them took
    longer than running them.
    """
    with connection.cursor() as cursor:
        if prepare and is_postgres() and not params:
            cursor.execute(f"EXECUTE {_prepared_name(cursor, sql)}")
        else:
            cursor.execute(sql, list(params))
        return cursor.rowcount


def _prepared_name(cursor, sql: str) -> str:
    names = _prepared.setdefault(connection.connection, set())
    name = "kpis_" + hashlib.sha1(sql.encode(), usedforsecurity=False).hexdigest()[:20]
    if name not in names:
        cursor.execute(f"PREPARE {name} AS {sql}")
        names.add(name)
    return name


def fetch(sql: str, params: list | tuple = ()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.fetchall()


def in_scope(column: str, full: bool) -> str:
    """`column` is one of the tickets being rebuilt (all of them on a full run)."""
    return "1 = 1" if full else f"{column} IN {SCOPE}"


def in_customer_scope(column: str, full: bool) -> str:
    return "1 = 1" if full else f"{column} IN {CUSTOMER_SCOPE}"


def bulk_session() -> None:
    """Memory for the big sorts and index builds of a full run (this transaction only)."""
    if is_postgres():
        run("SET LOCAL work_mem = '1GB'")
        run("SET LOCAL maintenance_work_mem = '1GB'")
        # Compiling the plans of a handful of long statements costs more than it saves.
        run("SET LOCAL jit = off")
        # Every join of a full run covers whole tables; the row counts of the intermediate
        # results (grouped CTEs) are guesses that would otherwise pick nested loops.
        run("SET LOCAL enable_nestloop = off")


def empty(tables: list[str]) -> None:
    if is_postgres():
        run(f"TRUNCATE {', '.join(tables)}")
    else:
        for table in tables:
            run(f"DELETE FROM {table}")


def analyze(tables: list[str]) -> None:
    """Fresh statistics after a bulk load keep the dashboard's plans right."""
    if is_postgres():
        run(f"ANALYZE {', '.join(tables)}")
