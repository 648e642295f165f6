"""Security events count repeats: one row per kind, source and minute.

Rows recorded before this stay one refusal each: each gets a key of its own, so none merges.
"""

import datetime

from django.db import migrations, models
from django.db.models.functions import Cast, Concat, Trunc


def each_earlier_row_counts_itself(apps, schema_editor):
    SecurityEvent = apps.get_model("staff", "SecurityEvent")
    SecurityEvent.objects.update(
        minute=Trunc("at", "minute", tzinfo=datetime.timezone.utc),
        repeat_key=Concat(models.Value("before counting #"),
                          Cast("pk", output_field=models.CharField())))


class Migration(migrations.Migration):

    dependencies = [
        ('staff', '0002_desk_phone'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='securityevent',
            options={'ordering': ['-at', '-pk']},
        ),
        migrations.AddField(
            model_name='securityevent',
            name='count',
            field=models.PositiveIntegerField(default=1),
        ),
        migrations.AddField(
            model_name='securityevent',
            name='minute',
            field=models.DateTimeField(null=True),
        ),
        migrations.AddField(
            model_name='securityevent',
            name='repeat_key',
            field=models.CharField(default='', max_length=160),
            preserve_default=False,
        ),
        migrations.RunPython(each_earlier_row_counts_itself, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='securityevent',
            name='minute',
            field=models.DateTimeField(help_text='the minute this row counts refusals in'),
        ),
        migrations.AlterField(
            model_name='securityevent',
            name='repeat_key',
            field=models.CharField(help_text='kind, source and staff member: the refusals this row counts', max_length=160),
        ),
        migrations.AddIndex(
            model_name='securityevent',
            index=models.Index(fields=['kind', '-at'], name='staff_secur_kind_2c5174_idx'),
        ),
        migrations.AddConstraint(
            model_name='securityevent',
            constraint=models.UniqueConstraint(fields=('repeat_key', 'minute'), name='security_event_one_row_a_minute'),
        ),
    ]
