"""The one way a service takes a video session for a change: its row locked, with its incident
(whose log the change writes to), so two changes to one call never interleave."""

from __future__ import annotations

from rvr.models import VideoSession


def video_session_locked(session_id: int) -> VideoSession:
    """The session, locked until the caller's transaction ends; call inside one."""
    return VideoSession.objects.select_for_update().select_related("incident").get(
        pk=session_id)
