"""The escalation sweep as a periodic task. Safe to run on any number of workers at once."""

from __future__ import annotations

import logging

from celery import shared_task

from contact_hub.incidents.escalation import escalations_sweep

log = logging.getLogger(__name__)


@shared_task(name="incidents.escalations_sweep", ignore_result=True)
def escalations_sweep_task() -> int:
    fired = escalations_sweep()
    if fired:
        log.info("escalation sweep fired %d alert(s)", len(fired))
    return len(fired)
