import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('staff', '0004_access_assignments'),
    ]

    operations = [
        migrations.CreateModel(
            name='RoleChangeRequest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('role', models.CharField(choices=[('coordinator', 'Coordinator'), ('rvr_officer', 'RVR officer'), ('supervisor', 'Supervisor'), ('professional_standards', 'Professional standards'), ('administrator', 'Administrator')], max_length=32)),
                ('from_role', models.CharField(blank=True, help_text='the role when it was asked for (blank: none)', max_length=32)),
                ('reactivate', models.BooleanField(default=False, help_text='approving it also re-activates the account')),
                ('reason', models.CharField(max_length=300)),
                ('requested_at', models.DateTimeField(auto_now_add=True)),
                ('decision', models.CharField(choices=[('pending', 'Waiting for a second administrator'), ('approved', 'Approved'), ('refused', 'Refused')], default='pending', max_length=16)),
                ('decided_at', models.DateTimeField(blank=True, null=True)),
                ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='role_change_requests', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-requested_at', '-pk'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('decision', 'pending')), fields=('user',), name='role_change_one_pending_per_user')],
            },
        ),
    ]
