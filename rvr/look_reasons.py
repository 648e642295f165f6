"""RVR staff's reasons to open a victim's record: taking her video call (an assignment the
call services start and end, named by `video_subject`), her waiting for one (officers), or
the RVR check a coordinator is doing on her incident. The queue reasons are registered with
`conversations.looks` when the app is ready; a change needs the same reason a look does
(`rvr_reason_required`)."""

from __future__ import annotations

from datetime import datetime

from contact_hub.conversations.looks import (
    LookBasis,
    look_reason_register,
    look_reason_required,
)
from contact_hub.incidents.models import Incident
from contact_hub.staff.models import StaffUser
from contact_hub.staff.roles import MAY_COORDINATE_RVR, MAY_TAKE_VIDEO_CALLS
from rvr.eligibility import rvr_assessment_current
from rvr.models import RvrAssessment, VideoSession

VIDEO_CALL_WAITING = "video call waiting"
RVR_CHECK_IN_PROGRESS = "doing the RVR check"
TAKING_THE_VIDEO_CALL = "taking the video call"
# The link is out, or the victim is joining, waiting or in the call: the check is not over.
SESSION_GOING_ON = (VideoSession.Status.LINK_SENT, VideoSession.Status.JOINED,
                    VideoSession.Status.WAITING, VideoSession.Status.IN_CALL)


def video_subject(session: VideoSession) -> str:
    """What an officer's assignment to the call names (Assignment.Kind.VIDEO)."""
    return f"video:{session.pk}"


def video_call_waiting(actor: StaffUser, person_id: int, now: datetime) -> str | None:
    """A victim in the video waiting room is on every RVR officer's console."""
    if actor.has_role(*MAY_TAKE_VIDEO_CALLS) and VideoSession.objects.filter(
            incident__person_id=person_id, status=VideoSession.Status.WAITING).exists():
        return VIDEO_CALL_WAITING
    return None


def rvr_check_in_progress(actor: StaffUser, person_id: int, now: datetime) -> str | None:
    """The coordinator doing the RVR check on her open incident (the incident's current
    check is theirs, and it has not ended in an in-person response or a finished call).
    Another coordinator's check, or one that is over, gives no reason."""
    if not actor.has_role(*MAY_COORDINATE_RVR):
        return None
    incidents = Incident.objects.filter(person_id=person_id, closed_at__isnull=True,
                                        rvr_assessments__coordinator=actor).distinct()
    for incident in incidents:
        current = rvr_assessment_current(incident)
        if current is not None and current.coordinator_id == actor.pk and _going_on(current):
            return RVR_CHECK_IN_PROGRESS
    return None


def _going_on(assessment: RvrAssessment) -> bool:
    if assessment.decision == RvrAssessment.Decision.PENDING:
        return True
    if assessment.decision != RvrAssessment.Decision.RVR:
        return False
    latest = assessment.video_sessions.order_by("-link_sent_at", "-pk").first()
    return latest is None or latest.status in SESSION_GOING_ON


def rvr_reason_required(actor: StaffUser, person_id: int | None) -> LookBasis | None:
    """The actor's reason to change anything of the victim's (None for an incident with
    nobody's record on it). Raises ReasonNeeded when they have none."""
    return look_reason_required(actor, person_id)


def rvr_look_reasons_register() -> None:
    look_reason_register(video_call_waiting)
    look_reason_register(rvr_check_in_progress)
