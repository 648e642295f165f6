from __future__ import annotations

from django.db import migrations, models


class Migration(migrations.Migration):
    """Who a referral names is in its message's exclusions, and its outcome in its steps."""

    dependencies = [
        ("triage", "0004_referrals_named_staff_to_exclusions"),
    ]

    operations = [
        migrations.RemoveField(model_name="misconductreferral", name="named_staff"),
        migrations.RemoveField(model_name="misconductreferral", name="outcome"),
        migrations.AlterField(
            model_name="misconductreferral",
            name="assessment_due_at",
            field=models.DateTimeField(help_text="the force's countdown to assessment"),
        ),
    ]
