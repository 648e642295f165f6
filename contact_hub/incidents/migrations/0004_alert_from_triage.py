"""Alerts move from triage to incidents (escalations and diversions raise them). Only Django's
idea of which app owns the model changes: the table, its rows and its index stay as they are."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _content_type_move(app_label_from: str, app_label_to: str):
    def move(apps, schema_editor):
        content_types = apps.get_model("contenttypes", "ContentType").objects
        # Permissions hang off the content type: moving it keeps them.
        if not content_types.filter(app_label=app_label_to, model="alert").exists():
            content_types.filter(app_label=app_label_from, model="alert").update(
                app_label=app_label_to)

    return move


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("incidents", "0003_incident_assigned_unit_escalationtimer"),
        ("triage", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Alert",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("kind", models.CharField(choices=[("escalation", "Target time"), ("diverted", "Unit diverted"), ("marker_review", "Marker review due"), ("marker_lapsed", "Marker lapsed without a decision")], max_length=20)),
                        ("for_role", models.CharField(blank=True, max_length=32)),
                        ("detail", models.JSONField(blank=True, default=dict)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("acknowledged_at", models.DateTimeField(blank=True, null=True)),
                        ("acknowledged_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("for_user", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="alerts", to=settings.AUTH_USER_MODEL)),
                        ("incident", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="alerts", to="incidents.incident")),
                        ("marker", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="alerts", to="triage.marker")),
                    ],
                    options={
                        "db_table": "triage_alert",
                        "indexes": [models.Index(condition=models.Q(("acknowledged_at__isnull", True)), fields=["for_role", "-created_at"], name="alert_open_idx")],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(_content_type_move("triage", "incidents"),
                             _content_type_move("incidents", "triage")),
    ]
