"""Callback's rows on the dashboard queue: 101 callback requests still waiting, and the calls a
coordinator must look at. Registered with triage's queue from CallbackConfig.ready()."""

from __future__ import annotations

from datetime import datetime

from callback.models import CallbackRequest
from contact_hub.fixed_reads import FixedRead, related_set
from contact_hub.staff.models import StaffUser
from contact_hub.triage.queue import QUEUE_LIMIT, QueueItem

# A silent call or a hang-up in the menu may be someone who cannot speak: near the top.
RISK_WELFARE = 80
RISK_CALLBACK_BY_PRIORITY = {1: 70, 2: 55, 3: 35}


def callbacks_waiting(viewer: StaffUser, now: datetime) -> list[QueueItem]:
    """101 callback requests still in the queue, and those a coordinator must look at (silent
    calls, hang-ups, unable to contact)."""
    callback_requests = _callbacks_read()
    related_set(callback_requests, "identity")
    return [QueueItem(key=f"callback:{r.pk}", kind="callback", risk=_callback_risk(r),
                      since=r.joined_at, subject=r, person_id=r.person_id,
                      template="callback/_queue_item.html") for r in callback_requests]


# Read on every refresh of every dashboard: compiled once (fixed_reads).
_callbacks_read = FixedRead(lambda: CallbackRequest.objects.filter(
    status__in=[CallbackRequest.Status.QUEUED, CallbackRequest.Status.COORDINATOR])
    .order_by("priority", "joined_at")[:QUEUE_LIMIT])


def _callback_risk(callback_request: CallbackRequest) -> int:
    if callback_request.status == CallbackRequest.Status.COORDINATOR:
        return RISK_WELFARE
    return RISK_CALLBACK_BY_PRIORITY.get(callback_request.priority,
                                         RISK_CALLBACK_BY_PRIORITY[3])
