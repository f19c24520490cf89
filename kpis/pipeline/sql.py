"""Running the pipeline's statements, and what a bulk load does differently on PostgreSQL."""

import hashlib
import threading
import weakref
from contextlib import contextmanager

from django.db import connection

from ..dialect import is_postgres

SCOPE = "(SELECT ticket_id FROM kpis_workticket)"
CUSTOMER_SCOPE = "(SELECT customer_id FROM kpis_workcustomer)"


# The statements prepared on each PostgreSQL connection (they live as long as the session).
_prepared: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


# In a connection's set of prepared names: deallocate them all before preparing the next one.
_STALE = ""


@contextmanager
def own_plans():
    """The statements prepared inside are planned for this run only, and forgotten after it.

    A prepared statement without parameters keeps the plan of its first run. One made for the
    thousands of tickets of a ranged recompute (hash joins over whole tables) would slow down
    every one-ticket catch-up after it on the connection (a worker runs both), and one made for
    a single ticket would make the ranged recompute crawl through nested loops.
    """
    _forget_prepared()
    try:
        yield
    finally:
        _forget_prepared()


def _forget_prepared() -> None:
    # Only marked here: the transaction may be broken; the next PREPARE deallocates first.
    if is_postgres() and connection.connection is not None and _prepared.get(connection.connection):
        _prepared[connection.connection] = {_STALE}


# Statements held back by `batched()` on this thread, sent together by the next fetch or its end.
_batch = threading.local()


def run(sql: str, params: list | tuple = (), *, prepare: bool = False) -> int | None:
    """Execute one statement; `prepare` plans it once per connection (PostgreSQL).

    The incremental run repeats a few long statements over a small scope: planning them took
    longer than running them. Inside `batched()` the statement is held back (its row count is
    then None).
    """
    with connection.cursor() as cursor:
        if prepare and is_postgres() and not params:
            sql, params = f"EXECUTE {_prepared_name(cursor, sql)}", ()
        pending = getattr(_batch, "statements", None)
        if pending is not None:
            pending.append(cursor.mogrify(sql, list(params)).decode())
            return None
        cursor.execute(sql, list(params))
        return cursor.rowcount


@contextmanager
def batched():
    """Send the statements run() is given as one round trip (PostgreSQL, which takes several
    statements in one query string): with the next fetch() or at the end of the block.

    One ticket's update is about twenty short statements whose round trips, each a chance to
    wait for a busy core, cost more than the statements; nothing in between may read their
    results (fetch() sends them first). Elsewhere the statements run one by one, as they come.
    """
    if not is_postgres() or getattr(_batch, "statements", None) is not None:
        yield
        return
    _batch.statements = []
    try:
        yield
        _flush()
    finally:
        _batch.statements = None


def _flush(last: str = "", params: list | tuple = ()) -> list[tuple]:
    """Send the held-back statements, then `last` (whose rows are returned)."""
    statements, _batch.statements = _batch.statements, []
    with connection.cursor() as cursor:
        if last:
            statements.append(cursor.mogrify(last, list(params)).decode())
        if statements:
            cursor.execute(";\n".join(statements))
        return cursor.fetchall() if last else []


def _prepared_name(cursor, sql: str) -> str:
    names = _prepared.setdefault(connection.connection, set())
    if _STALE in names:
        cursor.execute("DEALLOCATE ALL")
        names.clear()
    name = "kpis_" + hashlib.sha1(sql.encode(), usedforsecurity=False).hexdigest()[:20]
    if name not in names:
        cursor.execute(f"PREPARE {name} AS {sql}")
        names.add(name)
    return name


def fetch(sql: str, params: list | tuple = ()) -> list[tuple]:
    if getattr(_batch, "statements", None) is not None:
        return _flush(sql, params)
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.fetchall()


# A scope of more rows than this is emptied with TRUNCATE (see empty_counting).
TRUNCATE_FROM_ROWS = 1000


def empty_counting(table: str) -> int:
    """Empty a work table (kpis_workticket, kpis_workcustomer); how many rows it had.

    The scoped statements join these tables to the big ones, and the planner sizes them by their
    pages on disk. Emptied with DELETE, one large scope (a backlog after an outage, a ranged
    recompute) left thousands of dead rows behind until autovacuum came by, and meanwhile every
    one-ticket update was planned for thousands of ids: hash joins over whole tables, 5 s instead
    of 8 ms at a million tickets. So a large scope is emptied with TRUNCATE, which leaves no
    pages, and ANALYZE, which records the table as empty (TRUNCATE alone marks it never analyzed,
    which the planner takes for ten pages); both are transactional, and only the pipeline, under
    its cursor lock, uses these tables. A small one (one ticket's update) is deleted: a few dead
    rows that autovacuum soon clears cost less than the two statements.
    """
    if not is_postgres():
        return run(f"DELETE FROM {table}")
    # One round trip with the writes batched() holds back; TRUNCATE then drops the dead rows.
    count = fetch(f"WITH gone AS (DELETE FROM {table} RETURNING 1) SELECT COUNT(*) FROM gone")[0][0]
    if count > TRUNCATE_FROM_ROWS:
        run(f"TRUNCATE {table}")
        run(f"ANALYZE {table}")
    return count


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
