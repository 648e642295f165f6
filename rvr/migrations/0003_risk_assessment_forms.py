# Risk assessments record which form (DASH, DARA or the force's own) and which version of it
# they used; the DASH "yes" count becomes the form's score, empty for a form the officer grades.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('rvr', '0002_video_link_nonce'),
    ]

    operations = [
        migrations.RenameField(
            model_name='riskassessment',
            old_name='yes_count',
            new_name='score',
        ),
        migrations.AlterField(
            model_name='riskassessment',
            name='score',
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        # Every assessment before forms were data was the DASH checklist as rvr/risk_forms/
        # dash.toml version 1 holds it.
        migrations.AddField(
            model_name='riskassessment',
            name='form_key',
            field=models.CharField(default='dash', max_length=40),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='riskassessment',
            name='form_version',
            field=models.CharField(default='1', max_length=40),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name='riskassessment',
            name='answers',
            field=models.JSONField(default=dict, help_text="question key -> the answer's value"),
        ),
    ]
