# What a victim shares from a video call: her location, if she chooses, and photos and files
# (the original bytes as evidence, an image's display copy stripped of its metadata).
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0009_rvr_alert_kinds"),
        ("rvr", "0005_suspect_present"),
    ]

    operations = [
        migrations.CreateModel(
            name="VictimLocation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True,
                                           serialize=False, verbose_name="ID")),
                ("latitude", models.FloatField()),
                ("longitude", models.FloatField()),
                ("accuracy_m", models.FloatField(
                    help_text="the radius, in metres, her phone is sure within")),
                ("taken_at", models.DateTimeField()),
                ("received_at", models.DateTimeField()),
                ("incident", models.ForeignKey(
                    on_delete=django.db.models.deletion.PROTECT,
                    related_name="victim_locations", to="incidents.incident")),
                ("session", models.ForeignKey(
                    on_delete=django.db.models.deletion.PROTECT, related_name="locations",
                    to="rvr.videosession")),
            ],
            options={"ordering": ["received_at", "pk"]},
        ),
        migrations.CreateModel(
            name="VictimUpload",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True,
                                           serialize=False, verbose_name="ID")),
                ("original", models.BinaryField()),
                ("content_type", models.CharField(help_text="decided from the bytes",
                                                  max_length=40)),
                ("sha256", models.CharField(help_text="of the original bytes", max_length=64)),
                ("size", models.PositiveIntegerField()),
                ("display", models.BinaryField(blank=True, null=True)),
                ("display_type", models.CharField(blank=True, max_length=40)),
                ("display_sha256", models.CharField(blank=True, max_length=64)),
                ("received_at", models.DateTimeField()),
                ("incident", models.ForeignKey(
                    on_delete=django.db.models.deletion.PROTECT,
                    related_name="victim_uploads", to="incidents.incident")),
                ("session", models.ForeignKey(
                    on_delete=django.db.models.deletion.PROTECT, related_name="uploads",
                    to="rvr.videosession")),
            ],
            options={"ordering": ["received_at", "pk"]},
        ),
    ]
