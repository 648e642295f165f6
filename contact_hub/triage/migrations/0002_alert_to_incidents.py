"""Alerts now belong to incidents (0004_alert_from_triage); their table stays where it is."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("incidents", "0004_alert_from_triage"),
        ("triage", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Alert")],
            database_operations=[],
        ),
    ]
