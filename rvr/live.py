"""Live events about a video session: to staff pages, and to the session's own websockets."""

from __future__ import annotations

from django.db import transaction

from contact_hub.live import live_event_send
from rvr.models import VideoSession


def session_changed(session: VideoSession, kind: str = "video.changed") -> None:
    """Tell staff pages (the waiting list, the incident's RVR panel), after commit."""
    incident_id, person_id = session.incident_id, session.incident.person_id or 0
    transaction.on_commit(lambda: live_event_send(
        kind, session_id=session.pk, incident_id=incident_id, person_id=person_id))


def session_tell(session: VideoSession, kind: str) -> None:
    """Tell both sides' open websockets, after commit."""
    transaction.on_commit(lambda: live_event_send(kind, group=session.group,
                                                  session_id=session.pk))
