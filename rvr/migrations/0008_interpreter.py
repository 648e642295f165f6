# An interpreter on a video call (issue 14): the invite, its token and browser stored as hashes.
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("rvr", "0007_call_recording"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]
    operations = [
        migrations.CreateModel(
            name="InterpreterInvite",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("token_hash", models.CharField(max_length=64, unique=True)),
                ("browser_hash", models.CharField(blank=True, db_index=True, max_length=64)),
                ("invited_at", models.DateTimeField()),
                ("expires_at", models.DateTimeField(
                    help_text="an unused link cannot be joined after this")),
                ("joined_at", models.DateTimeField(blank=True, null=True)),
                ("revoked_at", models.DateTimeField(blank=True, null=True)),
                ("invited_by", models.ForeignKey(
                    on_delete=django.db.models.deletion.PROTECT, related_name="+",
                    to=settings.AUTH_USER_MODEL)),
                ("session", models.ForeignKey(
                    on_delete=django.db.models.deletion.PROTECT,
                    related_name="interpreter_invites", to="rvr.videosession")),
            ],
        ),
    ]
