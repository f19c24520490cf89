"""Indexes for the agent workspace: full-text search (PostgreSQL) and the queue's keyset orders.

They are expression or plain indexes created with SQL (not model Meta), because the GIN ones exist
only on PostgreSQL. The expressions match tickets.search exactly (to_tsvector('simple', column)),
so the planner uses them.
"""

from django.db import migrations

BOTH = [
    ("tickets_ticket_upd_id_idx", "tickets_ticket (updated_at DESC, id DESC)"),
    ("tickets_ticket_due_id_idx", "tickets_ticket (resolution_due_at, id)"),
    ("tickets_ticket_created_id_idx", "tickets_ticket (created_at DESC, id DESC)"),
]
# Partial indexes over unsolved tickets: the queue's busiest views walk them in order and stop
# after one page, whatever the share of solved tickets. The CASE expression is the one
# tickets.selectors uses to sort by priority.
UNSOLVED = "status IN ('new', 'open', 'pending', 'on_hold')"
PRIORITY_RANK = (
    "(CASE WHEN priority = 'urgent' THEN 4 WHEN priority = 'high' THEN 3"
    " WHEN priority = 'normal' THEN 2 ELSE 1 END)"
)
BOTH += [
    ("tickets_unsolved_upd_idx", f"tickets_ticket (updated_at DESC, id DESC) WHERE {UNSOLVED}"),
    (
        "tickets_unassigned_upd_idx",
        f"tickets_ticket (updated_at DESC, id DESC) WHERE assignee_id IS NULL AND {UNSOLVED}",
    ),
    ("tickets_unsolved_prio_idx", f"tickets_ticket (priority, updated_at DESC, id DESC) WHERE {UNSOLVED}"),
    (
        "tickets_unsolved_rank_idx",
        f"tickets_ticket ({PRIORITY_RANK} DESC, updated_at DESC, id DESC) WHERE {UNSOLVED}",
    ),
]
POSTGRES_ONLY = [
    ("tickets_ticket_subject_fts", "tickets_ticket USING gin (to_tsvector('simple'::regconfig, subject))"),
    ("tickets_message_body_fts", "tickets_message USING gin (to_tsvector('simple'::regconfig, body_text))"),
]


def _indexes(vendor: str):
    return BOTH + (POSTGRES_ONLY if vendor == "postgresql" else [])


def create(apps, schema_editor):
    for name, target in _indexes(schema_editor.connection.vendor):
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")


def drop(apps, schema_editor):
    for name, _ in _indexes(schema_editor.connection.vendor):
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("tickets", "0002_message_queued_index")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
