"""Database plumbing the apps share (no domain logic here)."""

from django.db import connection
from django.db.models import Model


def bulk_update_rows(objs: list[Model], fields: list[str]) -> int:
    """QuerySet.bulk_update: store `fields` of every object, each its own values.

    Django builds a CASE WHEN per row and field, which costs milliseconds of Python per row in
    batches of hundreds; on PostgreSQL this is one UPDATE ... FROM UNNEST(<one array per column>)
    instead. Related objects must be saved before they were assigned (their ids are read as set).
    """
    if not objs:
        return 0
    model = type(objs[0])
    if connection.vendor != "postgresql":
        return model.objects.bulk_update(objs, fields)
    meta = model._meta
    columns = [meta.pk, *(meta.get_field(name) for name in fields)]
    arrays = [
        [column.get_db_prep_save(getattr(obj, column.attname), connection) for obj in objs]
        for column in columns
    ]
    quote = connection.ops.quote_name
    table, key = quote(meta.db_table), quote(meta.pk.column)
    names = ", ".join(quote(column.column) for column in columns)
    casts = ", ".join(f"%s::{column.db_type(connection)}[]" for column in columns)
    assignments = ", ".join(f"{quote(column.column)} = v.{quote(column.column)}" for column in columns[1:])
    with connection.cursor() as cursor:
        # Names come from the model's metadata; every value is a parameter.
        sql = f"UPDATE {table} SET {assignments} FROM UNNEST({casts}) AS v({names}) WHERE {table}.{key} = v.{key}"  # noqa: S608, E501
        cursor.execute(sql, arrays)
        return cursor.rowcount


def drop_secondary_indexes(tables: list[str]) -> list[str]:
    """Drop the secondary indexes of `tables` before a bulk load; returns how to build them again
    (PostgreSQL; elsewhere nothing is dropped).

    Primary keys and unique indexes stay (the load relies on them); everything else is cheaper
    to build once over the loaded rows than to maintain row by row.
    """
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i"
            " WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary AND NOT i.indisunique",
            [tables],
        )
        rows = cursor.fetchall()
        for name, _ in rows:
            cursor.execute(f"DROP INDEX {name}")
    return [definition for _, definition in rows]


def create_indexes(definitions: list[str]) -> None:
    with connection.cursor() as cursor:
        for definition in definitions:
            cursor.execute(definition)
