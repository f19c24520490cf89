"""The full-text GIN index exists on PostgreSQL only; SQLite searches without it.

fastupdate is off: articles change rarely, and searches then never scan a pending list.
"""

from django.db import migrations

INDEX = "kb_translation_search_gin"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON kb_articletranslation "
            "USING gin (search_vector) WITH (fastupdate = off)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("kb", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index)]
