# "He's back": the key word agreed in the safety check (a hash only), and the victim's signal.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("rvr", "0004_officer_availability")]
    operations = [
        migrations.AddField(
            model_name="rvrassessment",
            name="key_word_hash",
            field=models.CharField(blank=True, max_length=128),
        ),
        migrations.AddField(
            model_name="videosession",
            name="suspect_present_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="videosession",
            name="suspect_present_by",
            field=models.CharField(blank=True, max_length=12),
        ),
    ]
