import django.db.models.deletion
from django.db import migrations, models

# The composite indexes lifecycle_event_cust_idx and lifecycle_stage_cust_idx start with
# customer_id, so these two only cost a write on every event and stage change. Dropped by name
# (the same on PostgreSQL and SQLite): altering the field would drop and re-validate the
# foreign key over every row.
INDEXES = {
    "lifecycle_touchpointevent_customer_id_e193a8bd": "lifecycle_touchpointevent",
    "lifecycle_stagechange_customer_id_88b25baf": "lifecycle_stagechange",
}


class Migration(migrations.Migration):
    dependencies = [
        ("lifecycle", "0007_customer_history_counters_and_inactivity_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {name}", f"CREATE INDEX {name} ON {table} (customer_id)"
                )
                for name, table in INDEXES.items()
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="stagechange",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="stage_changes",
                        to="lifecycle.customer",
                    ),
                ),
                migrations.AlterField(
                    model_name="touchpointevent",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="lifecycle.customer",
                    ),
                ),
            ],
        ),
    ]
