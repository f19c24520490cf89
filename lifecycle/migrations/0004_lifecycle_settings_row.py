from django.db import migrations


def create_row(apps, schema_editor):
    # The singleton exists from the start, so recording an event never has to create it.
    apps.get_model("lifecycle", "LifecycleSettings").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [
        ("lifecycle", "0003_rules_corrections_surveys_merges"),
    ]

    operations = [migrations.RunPython(create_row, migrations.RunPython.noop)]
