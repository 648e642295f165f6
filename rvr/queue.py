"""RVR's rows on the dashboard queue: victims in the video waiting room, until an officer
accepts. Registered with triage's queue from RvrConfig.ready()."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from contact_hub.fixed_reads import FixedRead, related_set
from contact_hub.incidents.models import Incident
from contact_hub.incidents.visibility import incidents_visible_to
from contact_hub.staff.models import StaffUser
from contact_hub.triage.queue import QUEUE_LIMIT, QueueItem, kept_from
from rvr.models import VideoSession

# A victim sitting in the video waiting room is waiting on us right now.
RISK_VIDEO_WAITING = 85


def video_victims_waiting(viewer: StaffUser, now: datetime) -> list[QueueItem]:
    """Victims in the video waiting room, until an officer accepts: not one whose incident is
    kept from the viewer (its row's reference and flags would tell them it exists)."""
    sessions = _sessions_read(kept_from=kept_from(viewer))
    related_set(sessions, "incident")
    return [QueueItem(key=f"video:{s.pk}", kind="video", risk=RISK_VIDEO_WAITING,
                      since=s.checked_at or s.joined_at or s.link_sent_at, subject=s,
                      person_id=s.incident.person_id, template="rvr/_queue_item.html")
            for s in sessions]


def _sessions_waiting(*, kept_from: int | None) -> QuerySet[VideoSession]:
    # As rvr.selectors.sessions_waiting orders them, longest wait first.
    sessions = VideoSession.objects.filter(status=VideoSession.Status.WAITING)
    if kept_from is not None:
        sessions = sessions.filter(incident__in=incidents_visible_to(
            Incident.objects.all(), kept_from))
    return sessions.order_by("checked_at", "pk")[:QUEUE_LIMIT]


# Read on every refresh of every dashboard: compiled once (fixed_reads).
_sessions_read = FixedRead(_sessions_waiting)
