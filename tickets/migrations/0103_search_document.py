"""One search document per ticket (subject + all its messages) with a GIN index, on PostgreSQL.

The documents of existing tickets are built here in one statement; the expression indexes that
searched subjects and 4 million message bodies separately (0100) are no longer read, so they go.
The SQL repeats tickets.services.search (a migration must not change when the service does).
"""

import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

BACKFILL = """
    INSERT INTO tickets_searchdocument (ticket_id, document)
    SELECT t.id, to_tsvector('simple', t.subject) || to_tsvector('simple', coalesce(m.body, ''))
    FROM tickets_ticket t
    LEFT JOIN (
        SELECT ticket_id, left(string_agg(left(body_text, 20000), ' ' ORDER BY created_at, id), 200000) AS body
        FROM tickets_message
        GROUP BY ticket_id
    ) m ON m.ticket_id = t.id
"""
GIN = "CREATE INDEX tickets_search_document_gin ON tickets_searchdocument USING gin (document)"
OLD = {
    "tickets_ticket_subject_fts": "tickets_ticket USING gin (to_tsvector('simple'::regconfig, subject))",
    "tickets_message_body_fts": "tickets_message USING gin (to_tsvector('simple'::regconfig, body_text))",
}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(BACKFILL)
    schema_editor.execute(GIN)
    schema_editor.execute("ANALYZE tickets_searchdocument")
    for name in OLD:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, target in OLD.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")


class Migration(migrations.Migration):
    dependencies = [("tickets", "0102_merge_20261122_2100")]

    operations = [
        migrations.CreateModel(
            name="SearchDocument",
            fields=[
                (
                    "ticket",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search_document",
                        serialize=False,
                        to="tickets.ticket",
                    ),
                ),
                ("document", django.contrib.postgres.search.SearchVectorField()),
            ],
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
