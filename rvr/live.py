"""Live events about a video session: to staff pages, and to the session's own websockets."""

from __future__ import annotations

from contact_hub.live import LiveEvent, live_event_send
from rvr.models import VideoSession


def session_changed(session: VideoSession, kind: LiveEvent = LiveEvent.VIDEO_CHANGED) -> None:
    """Tell staff pages (the waiting list, the incident's RVR panel), after commit."""
    incident_id, person_id = session.incident_id, session.incident.person_id or 0
    live_event_send(kind, session_id=session.pk, incident_id=incident_id, person_id=person_id)


def session_tell(session: VideoSession, kind: LiveEvent) -> None:
    """Tell both sides' open websockets, after commit."""
    live_event_send(kind, group=session.group, session_id=session.pk)
