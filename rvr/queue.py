"""RVR's rows on the dashboard queue: victims in the video waiting room, until an officer
accepts. Registered with triage's queue from RvrConfig.ready()."""

from __future__ import annotations

from datetime import datetime

from contact_hub.staff.models import StaffUser
from contact_hub.triage.queue import QUEUE_LIMIT, QueueItem
from rvr.selectors import sessions_waiting

# A victim sitting in the video waiting room is waiting on us right now.
RISK_VIDEO_WAITING = 85


def video_victims_waiting(viewer: StaffUser, now: datetime) -> list[QueueItem]:
    """Victims in the video waiting room, until an officer accepts."""
    return [QueueItem(key=f"video:{s.pk}", kind="video", risk=RISK_VIDEO_WAITING,
                      since=s.checked_at or s.joined_at or s.link_sent_at, subject=s,
                      person_id=s.incident.person_id, template="rvr/_queue_item.html")
            for s in sessions_waiting()[:QUEUE_LIMIT]]
