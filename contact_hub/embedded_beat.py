"""Plays Celery's beat schedule inside the web process when the hub runs embedded.

Production runs `celery beat`; embedded, there is no broker or worker, so this thread calls the
same registered tasks on the same schedule. Only interval schedules (seconds) are used by the hub.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from celery import Celery
from django.db import close_old_connections

from contact_hub.followups.services import registered_task

log = logging.getLogger(__name__)


class EmbeddedBeat(threading.Thread):
    def __init__(self, app: Celery, tick_seconds: float = 1.0) -> None:
        super().__init__(name="embedded-beat", daemon=True)
        self.app = app
        self.tick_seconds = tick_seconds
        self.next_run: dict[str, float] = {}

    def run(self) -> None:
        while True:
            time.sleep(self.tick_seconds)
            close_old_connections()
            self.run_due(time.monotonic())
            close_old_connections()

    def run_due(self, now: float) -> list[str]:
        ran = []
        for name, entry in self.app.conf.beat_schedule.items():
            interval = _seconds(entry["schedule"])
            if self.next_run.get(name, 0.0) > now:
                continue
            self.next_run[name] = now + interval
            self._run_task(entry)
            ran.append(name)
        return ran

    def _run_task(self, entry: dict) -> None:
        try:
            registered_task(entry["task"]).apply(args=entry.get("args", ()),
                                                kwargs=entry.get("kwargs", {}))
        except Exception:
            log.exception("embedded beat: task %s failed", entry["task"])


def _seconds(schedule: float | timedelta) -> float:
    if isinstance(schedule, int | float):
        return float(schedule)
    return schedule.total_seconds()  # a timedelta
