"""A call that degrades rather than drops: video, then audio only, then text chat.

Both pages measure what they actually receive (getStats, rvr/static/rvr/call_quality.js) and
tell each other; the victim's page offers audio only when it is weak, switches after a short
grace if it stays weak, and switches to chat if audio fails too. Each switch reaches the hub as
a `mode` message and is written here into the incident log, so the record shows how the victim
was heard, and why.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from contact_hub.incidents.log import log_append
from contact_hub.staff.models import StaffUser
from rvr.locks import video_session_locked
from rvr.models import VideoSession

# Why a call changed mode: she (or the officer) chose it, her page switched because the
# connection stayed weak, or because audio failed as well.
CHOSEN, WEAK, FAILED = "chosen", "weak", "failed"
MODE_REASONS = (CHOSEN, WEAK, FAILED)
# Where a mode may change: from the waiting room (she chose audio only there) to the call's end.
MODE_STATUSES = (VideoSession.Status.JOINED, VideoSession.Status.WAITING,
                 VideoSession.Status.IN_CALL)


class ModeTooFrequent(Exception):
    """More switches in a minute than a real connection makes: a page (or someone holding it)
    flooding the incident log, which is permanent and shown whole on the incident page."""


def call_quality_config() -> dict[str, Any]:
    """The thresholds both pages measure against, in their call config."""
    return {
        "weak_video_kbps": settings.RVR_WEAK_VIDEO_KBPS,
        "weak_seconds": settings.RVR_WEAK_SECONDS,
        "audio_only_grace_seconds": settings.RVR_AUDIO_ONLY_GRACE_SECONDS,
        "failing_audio_kbps": settings.RVR_FAILING_AUDIO_KBPS,
        "failing_loss_pct": settings.RVR_FAILING_LOSS_PCT,
        "failing_seconds": settings.RVR_FAILING_SECONDS,
        "warmup_seconds": settings.RVR_QUALITY_WARMUP_SECONDS,
    }


def call_mode_set(*, session_id: int, mode: str, side: str, reason: str = CHOSEN,
                  kbps: float | None = None, actor: StaffUser | None = None) -> bool:
    """Record a switch of the call's mode in the incident log; True if the mode changed.

    A page says its mode again after a reconnect: that is not a switch and is not logged.
    Raises ModeTooFrequent past RVR_MODE_CHANGES_PER_MINUTE switches of this session."""
    with transaction.atomic():
        session = video_session_locked(session_id)
        if session.status not in MODE_STATUSES or session.mode == mode:
            return False
        recent = session.incident.log.filter(
            kind="video.mode_changed", data__session_id=session.pk,
            at__gte=timezone.now() - timedelta(minutes=1)).count()
        if recent >= settings.RVR_MODE_CHANGES_PER_MINUTE:
            raise ModeTooFrequent
        previous = session.mode
        session.mode, session.audio_only = mode, mode != VideoSession.Mode.VIDEO
        session.save(update_fields=["mode", "audio_only"])
        log_append(session.incident, "video.mode_changed", {
            "session_id": session.pk, "mode": mode, "from": previous, "by": side,
            "reason": reason, "kbps": kbps}, actor=actor)
    return True
