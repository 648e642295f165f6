# Recording video calls with the victim's consent (rvr/recording.py).
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0009_rvr_alert_kinds"),
        ("rvr", "0006_victim_uploads_location"),
    ]

    operations = [
        migrations.CreateModel(
            name="CallRecording",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("consent", models.BooleanField(
                    help_text="her answer: no means nothing is recorded")),
                ("answered_at", models.DateTimeField()),
                ("started_at", models.DateTimeField(blank=True, help_text="the first chunk",
                                                    null=True)),
                ("deleted_at", models.DateTimeField(blank=True, null=True)),
                ("incident", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                               related_name="call_recordings",
                                               to="incidents.incident")),
                ("session", models.OneToOneField(on_delete=django.db.models.deletion.PROTECT,
                                                 related_name="recording",
                                                 to="rvr.videosession")),
            ],
        ),
        migrations.CreateModel(
            name="RecordingChunk",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("track", models.CharField(help_text="victim or officer: whose camera",
                                           max_length=8)),
                ("seq", models.PositiveIntegerField()),
                ("data", models.BinaryField()),
                ("content_type", models.CharField(max_length=40)),
                ("sha256", models.CharField(max_length=64)),
                ("prev_sha256", models.CharField(max_length=64)),
                ("size", models.PositiveIntegerField()),
                ("received_at", models.DateTimeField()),
                ("recording", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                                related_name="chunks",
                                                to="rvr.callrecording")),
            ],
        ),
        migrations.AddIndex(
            model_name="callrecording",
            index=models.Index(condition=models.Q(("deleted_at", None)), fields=["started_at"],
                               name="call_recording_kept_idx"),
        ),
        migrations.AddConstraint(
            model_name="recordingchunk",
            constraint=models.UniqueConstraint(fields=("recording", "track", "seq"),
                                               name="recording_chunk_unique_seq"),
        ),
    ]
