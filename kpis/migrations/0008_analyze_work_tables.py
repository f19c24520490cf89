"""Statistics for the empty work tables (PostgreSQL).

The incremental run fills kpis_workticket / kpis_workcustomer with a few ids inside its
transaction and joins them to the big tables. A table never analyzed is assumed to hold
thousands of rows, for which the planner reads whole tables with hash joins: one ticket's
update took 400-700 ms at 100,000 tickets instead of 10-20 ms, until autovacuum happened to
analyze the table. Analyzed empty (they always are between transactions), they are planned
as small, with index lookups.
"""

from django.db import migrations


def analyze(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ANALYZE kpis_workticket, kpis_workcustomer")


class Migration(migrations.Migration):
    dependencies = [("kpis", "0007_stage_span_rejoin_day")]

    operations = [migrations.RunPython(analyze, migrations.RunPython.noop)]
