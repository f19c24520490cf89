import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Each of these foreign-key indexes repeats the first column of a composite index in Meta.indexes
# (tickets_customer_idx, tickets_team_idx, tickets_assignee_idx, tickets_message_ticket_idx,
# tickets_message_author_idx, tickets_event_ticket_idx), which serves the same lookups; they only
# cost a write on every ticket, message and event and a build after every bulk load. Dropped by
# name (the same on PostgreSQL and SQLite): altering the fields would drop and re-validate the
# foreign keys over every row.
INDEXES = {
    "tickets_message_author_id_e13a9dd8": ("tickets_message", "author_id"),
    "tickets_message_ticket_id_a1134910": ("tickets_message", "ticket_id"),
    "tickets_ticket_assignee_id_3a5aa407": ("tickets_ticket", "assignee_id"),
    "tickets_ticket_customer_id_f2d9135a": ("tickets_ticket", "customer_id"),
    "tickets_ticket_team_id_5a4e7469": ("tickets_ticket", "team_id"),
    "tickets_ticketevent_ticket_id_b572d14b": ("tickets_ticketevent", "ticket_id"),
}


class Migration(migrations.Migration):
    dependencies = [
        ("lifecycle", "0008_drop_customer_fk_indexes_covered_by_composites"),
        ("tickets", "0105_conversation_claimed_email"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {name}", f"CREATE INDEX {name} ON {table} ({column})"
                )
                for name, (table, column) in INDEXES.items()
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="message",
                    name="author",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        help_text="The agent (or portal user) who wrote it; null for email senders and the system.",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="ticket_messages",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="message",
                    name="ticket",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="messages",
                        to="tickets.ticket",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="assignee",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="assigned_tickets",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="tickets",
                        to="lifecycle.customer",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="team",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="tickets",
                        to="tickets.team",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticketevent",
                    name="ticket",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="tickets.ticket",
                    ),
                ),
            ],
        ),
    ]
