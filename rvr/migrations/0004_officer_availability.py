# Officers on hand: each RVR officer's availability and every change of it, and what the
# coordinator was shown of it on the assessment when video was offered (or could not be).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("rvr", "0003_risk_assessment_forms"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="rvrassessment",
            name="no_officer",
            field=models.BooleanField(default=False,
                                      help_text="video not offered: no officer was available"),
        ),
        migrations.AddField(
            model_name="rvrassessment",
            name="officers_available",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="rvrassessment",
            name="wait_minutes",
            field=models.PositiveIntegerField(blank=True, null=True,
                                              help_text="the expected wait; empty if not known"),
        ),
        migrations.AddField(
            model_name="rvrassessment",
            name="wait_told",
            field=models.BooleanField(default=False,
                                      help_text="the coordinator told the victim the wait"),
        ),
        migrations.CreateModel(
            name="OfficerAvailability",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("status", models.CharField(choices=[("available", "Available"),
                                                     ("busy", "Busy"), ("off", "Off")],
                                            default="off", max_length=10)),
                ("chosen", models.CharField(choices=[("available", "Available"),
                                                     ("busy", "Busy"), ("off", "Off")],
                                            default="off", max_length=10)),
                ("since", models.DateTimeField()),
                ("officer", models.OneToOneField(on_delete=django.db.models.deletion.PROTECT,
                                                 related_name="rvr_availability",
                                                 to=settings.AUTH_USER_MODEL)),
                ("session", models.ForeignKey(blank=True, help_text="the call keeping them busy",
                                              null=True,
                                              on_delete=django.db.models.deletion.SET_NULL,
                                              related_name="+", to="rvr.videosession")),
            ],
        ),
        migrations.CreateModel(
            name="AvailabilityChange",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("from_status", models.CharField(choices=[("available", "Available"),
                                                          ("busy", "Busy"), ("off", "Off")],
                                                 max_length=10)),
                ("to_status", models.CharField(choices=[("available", "Available"),
                                                        ("busy", "Busy"), ("off", "Off")],
                                               max_length=10)),
                ("cause", models.CharField(choices=[("chosen", "Set by the officer"),
                                                    ("call_started", "Took a video call"),
                                                    ("call_ended", "The video call ended"),
                                                    ("signed_out", "Signed out")],
                                           max_length=12)),
                ("at", models.DateTimeField()),
                ("officer", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                              related_name="+", to=settings.AUTH_USER_MODEL)),
                ("session", models.ForeignKey(blank=True, null=True,
                                              on_delete=django.db.models.deletion.PROTECT,
                                              related_name="+", to="rvr.videosession")),
            ],
            options={
                "ordering": ["at", "pk"],
                "indexes": [models.Index(fields=["officer", "at"],
                                         name="availability_change_idx")],
            },
        ),
    ]
