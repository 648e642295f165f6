"""The Celery app.

Workers: `celery -A contact_hub worker`; scheduler: `celery -A contact_hub beat`.
"""

from __future__ import annotations

import gc
import logging
import os

from celery import Celery
from celery.signals import setup_logging, task_postrun, task_prerun, worker_process_init
from django.conf import settings
from django.db import close_old_connections
from django.utils.log import configure_logging

from contact_hub.env import env_int

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contact_hub.settings")

app = Celery("contact_hub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic work. Embedded, contact_hub.embedded_beat plays this same schedule in-process.
app.conf.beat_schedule = {
    "followups-sweep": {"task": "followups.sweep", "schedule": 15.0},
    "callback-sweep": {"task": "callback.sweep", "schedule": 60.0},
    # Often enough that an alert lands within seconds of its deadline; a sweep with nothing due
    # is one indexed query.
    "escalations-sweep": {"task": "incidents.escalations_sweep",
                          "schedule": float(env_int("HUB_ESCALATION_SWEEP_SECONDS", 5))},
    "markers-sweep": {"task": "triage.markers_sweep", "schedule": 300.0},
    # Misconduct referrals count down in hours: a minute late is well within their alerts.
    "referrals-sweep": {"task": "triage.referrals_sweep", "schedule": 60.0},
    "rvr-sweep": {"task": "rvr.sweep", "schedule": 30.0},
    # Retention is counted in days: hourly deletes a recording within the hour it falls due.
    "rvr-recordings-sweep": {"task": "rvr.recordings_sweep", "schedule": 3600.0},
}


@setup_logging.connect
def _django_logging_apply(loglevel: int | str | None = None, **_: object) -> None:
    """Worker and beat log through settings.LOGGING, whose handler redacts numbers and tokens.

    Answering this signal is what stops Celery replacing the root logger's handlers with its own
    (which would print tracebacks and task arguments unredacted)."""
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    if loglevel:
        # --loglevel keeps its meaning; which lines are printed and how is still ours.
        logging.getLogger().setLevel(loglevel)


@worker_process_init.connect
def _startup_objects_freeze(**_: object) -> None:
    """A worker child starts with the app and its tasks loaded: keep them out of the garbage
    collector's full sweeps, which would otherwise walk them all (see contact_hub.asgi)."""
    gc.freeze()


@task_prerun.connect
@task_postrun.connect
def _connections_return(task: object = None, **_: object) -> None:
    """At a task's edges, what Django does at a request's: each connection goes back to the pool
    (kept open for the next task), or is closed if it broke or is too old. Not for a task run
    eagerly inside a request (embedded), whose connection is the request's, mid-transaction."""
    if getattr(getattr(task, "request", None), "is_eager", False):
        return
    close_old_connections()
