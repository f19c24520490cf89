"""More indexes for the queue: every built-in view with every sort reads one page off an index.

0100 covered the default order (recently updated) of the unsolved views. These add the other
orders (newest, priority, due soonest) for the unsolved views and for "All statuses", the
agent's own open tickets, and the first-response half of "SLA at risk" (the resolution half uses
the unsolved due-time index), one assignee's or another team's tickets, and statistics on
status, team and assignee together. Partial indexes over unsolved tickets stay small however many
solved tickets pile up. The predicates and the priority CASE are exactly those tickets.selectors
writes, so the planner matches them.
"""

from django.db import migrations

UNSOLVED = "status IN ('new', 'open', 'pending', 'on_hold')"
PRIORITY_RANK = (
    "(CASE WHEN priority = 'urgent' THEN 4 WHEN priority = 'high' THEN 3"
    " WHEN priority = 'normal' THEN 2 ELSE 1 END)"
)
INDEXES = [
    ("tickets_rank_upd_idx", f"tickets_ticket ({PRIORITY_RANK} DESC, updated_at DESC, id DESC)"),
    ("tickets_unsolved_due_idx", f"tickets_ticket (resolution_due_at, id) WHERE {UNSOLVED}"),
    ("tickets_unsolved_created_idx", f"tickets_ticket (created_at DESC, id DESC) WHERE {UNSOLVED}"),
    ("tickets_mine_upd_idx", f"tickets_ticket (assignee_id, updated_at DESC, id DESC) WHERE {UNSOLVED}"),
    # Filters on one assignee, and on another team's tickets (of which an agent sees only their own).
    ("tickets_assignee_upd_idx", "tickets_ticket (assignee_id, updated_at DESC, id DESC)"),
    ("tickets_team_assignee_idx", "tickets_ticket (team_id, assignee_id)"),
    (
        "tickets_unsolved_first_due_idx",
        f"tickets_ticket (first_response_due_at) WHERE first_public_reply_at IS NULL AND {UNSOLVED}",
    ),
]


# Most unsolved tickets are unassigned and almost no solved one is, and agents are given their own
# teams' tickets: without these joint distributions PostgreSQL multiplies the shares, expects 40
# times too few unassigned open tickets (and sorts them all rather than walk an order index) or
# thousands of an agent's tickets in a team they are not in (and walks a million to find none).
STATISTICS = {
    "tickets_status_assignee_stats": "(mcv) ON status, assignee_id FROM tickets_ticket",
    "tickets_team_assignee_stats": "(mcv) ON team_id, assignee_id FROM tickets_ticket",
}


def create(apps, schema_editor):
    for name, target in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")
    if schema_editor.connection.vendor == "postgresql":
        for name, definition in STATISTICS.items():
            schema_editor.execute(f"CREATE STATISTICS IF NOT EXISTS {name} {definition}")
        schema_editor.execute("ANALYZE tickets_ticket")


def drop(apps, schema_editor):
    for name, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    if schema_editor.connection.vendor == "postgresql":
        for name in STATISTICS:
            schema_editor.execute(f"DROP STATISTICS IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("tickets", "0103_search_document")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
