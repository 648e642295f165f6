"""The call: the connection check's result, the officer accepting, chat, evidence, the outcome."""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from contact_hub.incidents.callback_asks import incident_callback_ask
from contact_hub.incidents.log import log_append
from contact_hub.incidents.models import Incident
from contact_hub.incidents.services import (
    incident_close,
    incident_flag_add,
    incident_requeue,
    incident_video_call_accept,
)
from contact_hub.live import LiveEvent
from contact_hub.staff.assignments import assignment_start, assignments_end, follow_up_period
from contact_hub.staff.models import Assignment, StaffUser
from contact_hub.staff.reasons import NOTE_MIN_CHARS, reason_too_short
from rvr.availability import availability_call_end, availability_call_start
from rvr.connection_check import CheckResult
from rvr.eligibility import RvrRefused, incident_refusals
from rvr.live import session_changed, session_tell
from rvr.locks import video_session_locked
from rvr.look_reasons import TAKING_THE_VIDEO_CALL, rvr_reason_required, video_subject
from rvr.models import CHAT_MAX_CHARS, CallMessage, EvidenceStill, VideoSession

ATTENDANCE_FLAG = "attendance_needed"
CALLBACK_FLAG = "callback_requested"
OPEN_STATUSES = (VideoSession.Status.JOINED, VideoSession.Status.WAITING,
                 VideoSession.Status.IN_CALL)
IMAGE_TYPES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}


def video_check_record(*, session_id: int, result: CheckResult,
                       now: datetime | None = None) -> VideoSession:
    """Store the connection check and put the victim in the waiting room."""
    now = now or timezone.now()
    with transaction.atomic():
        session = video_session_locked(session_id)
        if session.status not in (VideoSession.Status.JOINED, VideoSession.Status.WAITING):
            return session
        session.check_rtt_ms, session.check_loss_pct = result.rtt_ms, result.loss_pct
        session.check_bitrate_kbps, session.check_verdict = result.bitrate_kbps, result.verdict
        session.checked_at, session.status = now, VideoSession.Status.WAITING
        session.save(update_fields=["check_rtt_ms", "check_loss_pct", "check_bitrate_kbps",
                                    "check_verdict", "checked_at", "status"])
        log_append(session.incident, "video.connection_checked", {
            "session_id": session.pk, "rtt_ms": result.rtt_ms, "loss_pct": result.loss_pct,
            "bitrate_kbps": result.bitrate_kbps, "verdict": result.verdict})
    session_changed(session, LiveEvent.VIDEO_WAITING)
    return session


def video_session_accept(*, session: VideoSession, officer: StaffUser,
                         now: datetime | None = None) -> VideoSession:
    """The officer takes the waiting victim: the call starts and the incident is theirs.
    Taking the call is their reason to open her record until its outcome."""
    now = now or timezone.now()
    with transaction.atomic():
        session = video_session_locked(session.pk)
        if session.status != VideoSession.Status.WAITING or session.officer_id:
            raise RvrRefused("This victim is no longer waiting: another officer may have "
                             "taken the call, or it has ended.")
        rvr_reason_required(officer, session.incident.person_id)
        session.officer, session.officer_connected_at = officer, now
        session.status = VideoSession.Status.IN_CALL
        session.save(update_fields=["officer", "officer_connected_at", "status"])
        availability_call_start(officer=officer, session=session, now=now)
        assignment_start(staff=officer, person_id=session.incident.person_id,
                         kind=Assignment.Kind.VIDEO, subject=video_subject(session),
                         why=TAKING_THE_VIDEO_CALL, now=now)
        with incident_refusals():
            incident_video_call_accept(incident=session.incident, officer=officer,
                                       session_id=session.pk)
    session_changed(session, LiveEvent.VIDEO_ACCEPTED)
    return session


def call_chat_record(*, session_id: int, sender: str, text: str,
                     now: datetime | None = None) -> CallMessage:
    """A chat line is part of the record: what a victim types is what they told the officer."""
    text = text.strip()
    if not text or len(text) > CHAT_MAX_CHARS:
        raise RvrRefused(f"A chat message is 1 to {CHAT_MAX_CHARS} characters.")
    now = now or timezone.now()
    with transaction.atomic():
        session = video_session_locked(session_id)
        if session.status != VideoSession.Status.IN_CALL:
            raise RvrRefused("Chat is only open during the call.")
        line = CallMessage.objects.create(session=session, sender=sender, text=text, at=now)
        log_append(session.incident, "video.chat_message",
                   {"session_id": session.pk, "from": sender, "text": text},
                   actor=session.officer if sender == "officer" else None)
    return line


def video_call_end(*, session_id: int, by: str, actor: StaffUser | None = None,
                   now: datetime | None = None) -> VideoSession:
    """End the call (either side); ending twice changes nothing. A call that ends with no
    outcome ends the officer's reason with it (holding the incident, they may still write
    the outcome, which gives them the follow-up period)."""
    return _call_end(session_id=session_id, by=by, actor=actor, now=now or timezone.now(),
                     outcome_follows=False)


def _call_end(*, session_id: int, by: str, actor: StaffUser | None, now: datetime,
              outcome_follows: bool) -> VideoSession:
    with transaction.atomic():
        session = video_session_locked(session_id)
        if session.status not in OPEN_STATUSES:
            return session
        session.status, session.ended_at, session.ended_by = (
            VideoSession.Status.ENDED, now, by)
        session.save(update_fields=["status", "ended_at", "ended_by"])
        availability_call_end(session=session, now=now)
        log_append(session.incident, "video.call_ended",
                   {"session_id": session.pk, "by": by}, actor=actor)
        if not outcome_follows and not session.outcome:
            assignments_end(kind=Assignment.Kind.VIDEO, subject=video_subject(session), at=now)
    session_changed(session, LiveEvent.VIDEO_ENDED)
    session_tell(session, LiveEvent.VIDEO_ENDED)
    return session


def video_callback_request(*, session_id: int, now: datetime | None = None) -> VideoSession:
    """The victim's connection is too poor and they ask to be called instead."""
    now = now or timezone.now()
    with transaction.atomic():
        session = video_session_locked(session_id)
        if session.status not in OPEN_STATUSES:
            return session
        if session.incident.is_open:
            # A closed incident is not flagged; the log entry still keeps her ask.
            incident_flag_add(incident=session.incident, kind=CALLBACK_FLAG, actor=None,
                              reason="asked for a call back from the video call")
        # A 101 callback request in her safe window, made by the callback app (registered).
        asked = incident_callback_ask(incident=session.incident, source="video", now=now)
        log_append(session.incident, "video.callback_requested", {
            "session_id": session.pk, "callback_request_id": asked.callback_request_id,
            "already_in_queue": asked.merged, "not_made": asked.refusal,
            "next": "call the victim back; the incident stays in the dispatch queue"})
    video_call_end(session_id=session_id, by="victim", now=now)
    session_changed(session, LiveEvent.VIDEO_CALLBACK_REQUESTED)
    return session


def call_notes_record(*, session: VideoSession, officer: StaffUser, safeguarding_advice: str,
                      crime_details: str) -> VideoSession:
    _officer_check(session, officer)
    with transaction.atomic():
        session = video_session_locked(session.pk)
        session.safeguarding_advice = safeguarding_advice.strip()
        session.crime_details = crime_details.strip()
        session.save(update_fields=["safeguarding_advice", "crime_details"])
        log_append(session.incident, "video.notes_recorded", {
            "session_id": session.pk, "safeguarding_advice": session.safeguarding_advice,
            "crime_details": session.crime_details}, actor=officer)
    return session


def evidence_still_record(*, session: VideoSession, officer: StaffUser, image: bytes,
                          now: datetime | None = None) -> EvidenceStill:
    """Keep a still from the video as evidence, its SHA-256 in the incident log."""
    _officer_check(session, officer)
    content_type = next((t for magic, t in IMAGE_TYPES.items() if image.startswith(magic)), "")
    if not content_type:
        raise RvrRefused("A still must be a JPEG or PNG image.")
    if len(image) > settings.RVR_STILL_MAX_BYTES:
        raise RvrRefused("That image is too large.")
    now = now or timezone.now()
    digest = hashlib.sha256(image).hexdigest()
    with transaction.atomic():
        still = EvidenceStill.objects.create(
            session=session, incident=session.incident, image=image,
            content_type=content_type, sha256=digest, size=len(image), captured_by=officer,
            captured_at=now)
        log_append(session.incident, "evidence.still_captured", {
            "session_id": session.pk, "evidence_id": still.pk, "sha256": digest,
            "bytes": len(image), "content_type": content_type}, actor=officer)
    return still


def outcome_record(*, session: VideoSession, officer: StaffUser, outcome: str, reason: str = "",
                   now: datetime | None = None) -> VideoSession:
    """Ending the officer's part: resolved by video, attendance still needed, or referred."""
    _officer_check(session, officer)
    now = now or timezone.now()
    reason = reason.strip()
    _outcome_validate(session, outcome, reason)
    _call_end(session_id=session.pk, by="officer", actor=officer, now=now,
              outcome_follows=True)
    with transaction.atomic():
        session = video_session_locked(session.pk)
        if session.outcome:
            raise RvrRefused("The outcome is already recorded.")
        session.outcome, session.outcome_reason, session.outcome_at = outcome, reason[:500], now
        session.save(update_fields=["outcome", "outcome_reason", "outcome_at"])
        log_append(session.incident, "video.outcome_recorded",
                   {"session_id": session.pk, "outcome": outcome, "reason": reason},
                   actor=officer)
        _video_follow_up(session, officer, now=now)
        with incident_refusals():
            _incident_follow_outcome(session, officer, now=now)
    session_changed(session, LiveEvent.VIDEO_OUTCOME)
    return session


def _outcome_validate(session: VideoSession, outcome: str, reason: str) -> None:
    if outcome not in VideoSession.Outcome.values:
        raise RvrRefused("Choose an outcome.")
    if session.suspect_present_at and outcome != VideoSession.Outcome.ATTENDANCE:
        # Graded immediate by her signal (rvr/suspect_present.py): nothing closes it but a unit.
        raise RvrRefused("The victim signalled that the suspect is back: record that "
                         "attendance is still needed.")
    if outcome != VideoSession.Outcome.RESOLVED and reason_too_short(
            reason, minimum=NOTE_MIN_CHARS):
        raise RvrRefused("Say why attendance is needed, or where the victim was referred.")
    if outcome == VideoSession.Outcome.RESOLVED and not hasattr(session, "risk_assessment"):
        raise RvrRefused("Complete the risk assessment before resolving by video.")


def _incident_follow_outcome(session: VideoSession, officer: StaffUser, *,
                             now: datetime) -> None:
    incident = Incident.objects.select_for_update().get(pk=session.incident_id)
    if session.outcome == VideoSession.Outcome.ATTENDANCE:
        incident_flag_add(incident=incident, kind=ATTENDANCE_FLAG, actor=officer,
                          reason=session.outcome_reason)
        incident_requeue(incident=incident, actor=officer, reason=session.outcome_reason,
                         now=now)
        return
    label = session.get_outcome_display()
    detail = f": {session.outcome_reason}" if session.outcome_reason else ""
    incident_close(incident=incident, reason=f"{label}{detail}", actor=officer)


def _video_follow_up(session: VideoSession, officer: StaffUser, *, now: datetime) -> None:
    """With the outcome written the officer's part is done; they keep their reason for the
    follow-up period, also when the call had ended (and their reason with it) before."""
    subject = video_subject(session)
    assignment_start(staff=officer, person_id=session.incident.person_id,
                     kind=Assignment.Kind.VIDEO, subject=subject, why=TAKING_THE_VIDEO_CALL,
                     now=now)
    assignments_end(kind=Assignment.Kind.VIDEO, subject=subject, staff=officer, at=now,
                    keep=follow_up_period())


def _officer_check(session: VideoSession, officer: StaffUser) -> None:
    """Only the call's officer records it, and only with a reason to (ReasonNeeded)."""
    if session.officer_id != officer.pk:
        raise RvrRefused("Only the officer who took this call can record it.")
    rvr_reason_required(officer, session.incident.person_id)

