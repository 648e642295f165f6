"""The Celery app.

Workers: `celery -A contact_hub worker`; scheduler: `celery -A contact_hub beat`.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contact_hub.settings")

app = Celery("contact_hub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic work. Embedded, contact_hub.embedded_beat plays this same schedule in-process.
app.conf.beat_schedule = {
    "followups-sweep": {"task": "followups.sweep", "schedule": 15.0},
    "callback-sweep": {"task": "callback.sweep", "schedule": 60.0},
    "rvr-sweep": {"task": "rvr.sweep", "schedule": 30.0},
}
