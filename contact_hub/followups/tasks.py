"""Periodic follow-up work."""

from __future__ import annotations

import logging

from celery import shared_task

from contact_hub.followups.services import followup_send, followups_pending

log = logging.getLogger(__name__)


@shared_task(name="followups.sweep", ignore_result=True)
def followups_sweep(limit: int = 500) -> int:
    """Re-send follow-up work that never ran. Returns how many rows were re-sent."""
    resent = 0
    for followup_id, task_name in followups_pending().values_list("pk", "task_name")[:limit]:
        followup_send(task_name, followup_id)
        resent += 1
    if resent:
        log.info("follow-up sweep re-sent %d task(s)", resent)
    return resent
