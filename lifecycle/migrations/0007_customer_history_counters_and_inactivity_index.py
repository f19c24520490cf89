import django.db.models.functions.comparison
from django.db import migrations, models, transaction

PURCHASE_TYPES = ("purchase", "subscription_started", "renewal")
BATCH = 20_000
# Set-based, one range of customers at a time (each its own short transaction, so that events
# keep being recorded meanwhile). UPDATE ... FROM runs on PostgreSQL and SQLite >= 3.33.
FROM_EVENTS = """
    UPDATE lifecycle_customer SET purchase_count = e.purchases, last_input_at = e.latest
    FROM (
        SELECT customer_id, count(*) FILTER (WHERE type IN (%s, %s, %s)) AS purchases,
               max(occurred_at) AS latest
        FROM lifecycle_touchpointevent WHERE customer_id >= %s AND customer_id < %s GROUP BY customer_id
    ) e
    WHERE lifecycle_customer.id = e.customer_id
"""
FROM_CORRECTIONS = """
    UPDATE lifecycle_customer SET last_input_at = f.latest
    FROM (SELECT customer_id, max(occurred_at) AS latest FROM lifecycle_stagecorrection GROUP BY customer_id) f
    WHERE lifecycle_customer.id = f.customer_id
      AND (lifecycle_customer.last_input_at IS NULL OR lifecycle_customer.last_input_at < f.latest)
"""


def backfill(apps, schema_editor):
    """Every customer's purchases and latest input, from their events and corrections."""
    Customer = apps.get_model("lifecycle", "Customer")
    connection = schema_editor.connection
    last = Customer.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    for start in range(0, last + 1, BATCH):
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(FROM_EVENTS, [*PURCHASE_TYPES, start, start + BATCH])
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute(FROM_CORRECTIONS)


def analyze(apps, schema_editor):
    """Statistics for the new index's expression, which the churn rule's plan depends on."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ANALYZE lifecycle_customer")


class Migration(migrations.Migration):
    atomic = False  # the backfill commits a range of customers at a time

    dependencies = [
        ("lifecycle", "0006_customer_erased_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="last_input_at",
            field=models.DateTimeField(
                blank=True, help_text="The time of the latest event or stage correction.", null=True
            ),
        ),
        migrations.AddField(
            model_name="customer",
            name="purchase_count",
            field=models.PositiveIntegerField(default=0, help_text="Purchases, renewals included."),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(
                django.db.models.functions.comparison.Greatest(
                    django.db.models.functions.comparison.Coalesce("last_activity_at", "stage_since"),
                    django.db.models.functions.comparison.Coalesce("stage_since", "last_activity_at"),
                ),
                condition=models.Q(
                    ("merged_into__isnull", True), ("stage__in", ("conversion", "retention", "loyalty"))
                ),
                name="lifecycle_cust_inactive_idx",
            ),
        ),
        migrations.RunPython(analyze, migrations.RunPython.noop, elidable=True),
    ]
