
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('conversations', '0005_access_assignments'),
        ('people', '0003_drop_denormalised_times'),
        ('triage', '0002_alert_to_incidents'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ReferralStep',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('step', models.CharField(choices=[('received', 'Received'), ('assessed', 'Assessed'), ('referred_acu', 'Referred to anti-corruption'), ('referred_iopc', 'Referred to the IOPC'), ('closed', 'Closed')], max_length=16)),
                ('reason', models.CharField(max_length=300)),
                ('at', models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                'ordering': ['at', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='ReferralTimer',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('point', models.CharField(help_text='e.g. 50%, 100%', max_length=20)),
                ('due_at', models.DateTimeField()),
                ('fired_at', models.DateTimeField(blank=True, null=True)),
                ('cancelled_at', models.DateTimeField(blank=True, null=True)),
            ],
        ),
        migrations.AddField(
            model_name='misconductreferral',
            name='assessed_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='misconductreferral',
            name='assessment_due_at',
            field=models.DateTimeField(help_text="the force's countdown to assessment", null=True),
        ),
        migrations.AddField(
            model_name='misconductreferral',
            name='stage',
            field=models.CharField(choices=[('received', 'Received'), ('assessed', 'Assessed'), ('referred_acu', 'Referred to anti-corruption'), ('referred_iopc', 'Referred to the IOPC'), ('closed', 'Closed')], default='received', max_length=16),
        ),
        migrations.AddField(
            model_name='misconductreferral',
            name='unnamed_words',
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AlterField(
            model_name='misconductreferral',
            name='closed_at',
            field=models.DateTimeField(blank=True, help_text='when it was referred on or closed', null=True),
        ),
        migrations.AlterField(
            model_name='misconductreferral',
            name='opened_at',
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AddIndex(
            model_name='misconductreferral',
            index=models.Index(condition=models.Q(('closed_at__isnull', True)), fields=['assessment_due_at'], name='referral_open_due_idx'),
        ),
        migrations.AddField(
            model_name='referralstep',
            name='actor',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='referralstep',
            name='referral',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='steps', to='triage.misconductreferral'),
        ),
        migrations.AddField(
            model_name='referraltimer',
            name='referral',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='timers', to='triage.misconductreferral'),
        ),
        migrations.AddConstraint(
            model_name='referralstep',
            constraint=models.UniqueConstraint(fields=('referral', 'step'), name='referral_step_once'),
        ),
        migrations.AddConstraint(
            model_name='referralstep',
            constraint=models.CheckConstraint(condition=models.Q(('reason', ''), _negated=True), name='referral_step_has_reason'),
        ),
        migrations.AddIndex(
            model_name='referraltimer',
            index=models.Index(condition=models.Q(('cancelled_at__isnull', True), ('fired_at__isnull', True)), fields=['due_at'], name='referral_timer_due_idx'),
        ),
        migrations.AddConstraint(
            model_name='referraltimer',
            constraint=models.UniqueConstraint(fields=('referral', 'point'), name='referral_timer_once'),
        ),
    ]
