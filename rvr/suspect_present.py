""""He's back": the victim's agreed signal that the suspect has come back.

The coordinator agrees a key word with her during the safety check; it is stored only as a
keyed hash (people.safe_contact.keyed_word_hash: HMAC-SHA256 under a key derived from
SECRET_KEY, salted) and never shown again. On every screen of her video page a discreet
control ("Later") does the same as typing the key word in the chat: her page goes at once to
the neutral site, as the quick exit does, and the hub (`suspect_present_record`) logs the
signal, re-grades the incident to the force's most urgent grade and puts it back on the
dispatch list through the incidents services (a unit already on its way stays assigned, and
the alert names it), alerts the supervisors, tells the officer on screen (or, while she
waits, the RVR console) and ends the call from her side. A key-word line is never relayed,
echoed or stored: only that the key word was used.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from contact_hub.incidents.alerts import alert_raise
from contact_hub.incidents.log import log_append
from contact_hub.incidents.models import Alert, Incident
from contact_hub.incidents.services import incident_grade
from contact_hub.live import LiveEvent
from contact_hub.people.safe_contact import keyed_word_hash, keyed_words_match
from contact_hub.staff.assignments import assignment_start, assignments_end, follow_up_period
from contact_hub.staff.models import Assignment, Role, StaffUser
from rvr.calls import OPEN_STATUSES, video_call_end
from rvr.eligibility import RvrRefused, incident_refusals
from rvr.live import session_changed, session_tell
from rvr.locks import video_session_locked
from rvr.look_reasons import TAKING_THE_VIDEO_CALL, video_subject
from rvr.models import RvrAssessment, VideoSession
from rvr.visibility import sessions_visible_to

BUTTON, KEY_WORD = "button", "key_word"
# A key word is a word or a short phrase she will remember under stress ("blue umbrella").
KEY_WORD_MOST_WORDS = 3
KEY_WORD_CHARS = (3, 40)
# Keeps key-word digests apart from any other keyed word's.
KEY_WORD_PURPOSE = "rvr.key_word"
# How long the RVR console keeps showing a signal nobody has recorded the outcome of.
CONSOLE_HOURS = 12
_NOT_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class SignalShown:
    """A recent "he's back" for the RVR console: no more than staff there already see."""

    session_id: int
    reference: str
    at: datetime
    by: str
    had_officer: bool


def key_word_normalised(text: str) -> str:
    """Case, spaces and punctuation do not matter: "Blue  umbrella!" is "blue umbrella"."""
    return " ".join(_NOT_WORD.sub(" ", text.casefold()).split())


def key_word_set(*, assessment: RvrAssessment, key_word: str, actor: StaffUser,
                 now: datetime | None = None) -> RvrAssessment:
    """Keep the agreed key word as a hash only; the log says only that one was set."""
    word = key_word_normalised(key_word)
    low, high = KEY_WORD_CHARS
    if not low <= len(word) <= high or len(word.split()) > KEY_WORD_MOST_WORDS:
        raise RvrRefused(f"A key word is one to {KEY_WORD_MOST_WORDS} words, {low} to {high} "
                         "letters.")
    with transaction.atomic():
        assessment = RvrAssessment.objects.select_for_update().select_related(
            "incident").get(pk=assessment.pk)
        if assessment.decision == RvrAssessment.Decision.IN_PERSON:
            raise RvrRefused("This check decided an in-person response: there is no video "
                             "call to agree a key word for.")
        replaced = bool(assessment.key_word_hash)
        assessment.key_word_hash = keyed_word_hash(word, purpose=KEY_WORD_PURPOSE)
        assessment.save(update_fields=["key_word_hash"])
        log_append(assessment.incident, "rvr.key_word_set",
                   {"assessment_id": assessment.pk, "replaced": replaced}, actor=actor)
    return assessment


def key_word_candidates(text: str) -> list[str]:
    """Every phrase of the line that could be the key word: each run of one to
    KEY_WORD_MOST_WORDS words, however long the line (a phrase a key word cannot be, too short
    or too long, is left out: that depends on the line alone, never on the key word)."""
    words = key_word_normalised(text).split()
    low, high = KEY_WORD_CHARS
    seen: dict[str, None] = {}
    for size in range(1, KEY_WORD_MOST_WORDS + 1):
        for start in range(len(words) - size + 1):
            phrase = " ".join(words[start:start + size])
            if low <= len(phrase) <= high:
                seen.setdefault(phrase)
    return list(seen)


def key_word_heard(text: str, key_word_hash: str) -> bool:
    """Whether the line holds the key word. Every phrase is compared, whether or not a key
    word is set, so how long a line takes tells an onlooker nothing."""
    return keyed_words_match(key_word_candidates(text), key_word_hash,
                             purpose=KEY_WORD_PURPOSE)


def session_key_word_hash(session_id: int) -> str:
    return (VideoSession.objects.filter(pk=session_id)
            .values_list("assessment__key_word_hash", flat=True).first() or "")


async def key_word_in_line(*, session_id: int, text: str) -> bool:
    """For the session's socket: the comparing runs on a thread of its own, so it holds back
    neither the event loop nor the database thread every socket shares."""
    encoded = await database_sync_to_async(session_key_word_hash)(session_id)
    return await sync_to_async(key_word_heard, thread_sensitive=False)(text, encoded)


def refused_chat_text(raw: str | bytes | None) -> str:
    """The text of a chat message the signalling rules refused (too long, say), so the key
    word in it is still heard; "" for anything else. Only what fits the socket's size limit
    is read."""
    if not isinstance(raw, str) or len(raw.encode()) > settings.RVR_SIGNAL_MAX_BYTES:
        return ""
    try:
        message = json.loads(raw)
    except ValueError:
        return ""
    if not isinstance(message, dict) or message.get("type") != "chat":
        return ""
    text = message.get("text")
    return text if isinstance(text, str) else ""


def suspect_present_record(*, session_id: int, trigger: str, her_browser: bool = True,
                           now: datetime | None = None) -> bool:
    """The victim signalled that the suspect is back. Everything follows in one transaction;
    a second signal, or one for a session long closed (signal_taken), changes nothing (False).
    `her_browser` is False for a request that came with the link alone (not her cookie)."""
    if trigger not in (BUTTON, KEY_WORD):
        raise ValueError(f"unknown trigger {trigger}")
    now = now or timezone.now()
    with transaction.atomic():
        session = video_session_locked(session_id)
        if session.suspect_present_at is not None or not signal_taken(session, now=now):
            return False
        had_officer = session.status == VideoSession.Status.IN_CALL
        after_end = session.status == VideoSession.Status.ENDED
        session.suspect_present_at, session.suspect_present_by = now, trigger
        session.save(update_fields=["suspect_present_at", "suspect_present_by"])
        log_append(session.incident, "video.suspect_present", {
            "session_id": session.pk, "trigger": trigger,
            "officer_on_call": had_officer, "after_call_ended": after_end,
            "her_browser": her_browser,
            "next": "immediate attendance: the victim's call is ended on her side"})
        unit = _incident_raise(session)
        detail: dict[str, object] = {"session_id": session.pk, "trigger": trigger}
        if unit:
            detail["unit"] = unit  # still assigned: the supervisor tells it he is back
        alert_raise(kind=Alert.Kind.SUSPECT_PRESENT, for_role=Role.SUPERVISOR,
                    incident_id=session.incident_id, detail=detail)
        # Told before the call ends, so the officer's page has it before its socket closes.
        session_tell(session, LiveEvent.VIDEO_SUSPECT_PRESENT)
        session_changed(session, LiveEvent.VIDEO_SUSPECT_PRESENT)
        if session.status == VideoSession.Status.LINK_SENT:
            _link_end(session, now=now)
        video_call_end(session_id=session.pk, by="victim", now=now)  # ended already: no-op
        _officer_follow_up(session, now=now)
    return True


def signal_taken(session: VideoSession, *, now: datetime) -> bool:
    """Whether a signal for this session still counts: while the link is live or the call
    open, and for RVR_LATER_GRACE_SECONDS after the call ended (her press may arrive just as
    the call ends, or be retried a moment later)."""
    status = session.status
    if status in OPEN_STATUSES:
        return True
    if status == VideoSession.Status.LINK_SENT:
        return session.expires_at > now
    grace = timedelta(seconds=settings.RVR_LATER_GRACE_SECONDS)
    return (status == VideoSession.Status.ENDED and session.ended_at is not None
            and session.ended_at >= now - grace)


def _link_end(session: VideoSession, *, now: datetime) -> None:
    """Her press came before her join did: the link is used up, so the join that follows is
    refused as ended, and her page (gone to the neutral site) is never joined."""
    session.status, session.ended_at, session.ended_by = (
        VideoSession.Status.ENDED, now, "victim")
    session.save(update_fields=["status", "ended_at", "ended_by"])
    log_append(session.incident, "video.call_ended", {"session_id": session.pk, "by": "victim"})
    session_changed(session, LiveEvent.VIDEO_ENDED)


def _officer_follow_up(session: VideoSession, *, now: datetime) -> None:
    """The officer who was on the call still writes it up (the attendance it needs): their
    reason lasts the follow-up period, as after an outcome, not ending with the call."""
    if session.officer is None:
        return
    subject = video_subject(session)
    assignment_start(staff=session.officer, person_id=session.incident.person_id,
                     kind=Assignment.Kind.VIDEO, subject=subject, why=TAKING_THE_VIDEO_CALL,
                     now=now)
    assignments_end(kind=Assignment.Kind.VIDEO, subject=subject, staff=session.officer, at=now,
                    keep=follow_up_period())


def _incident_raise(session: VideoSession) -> str:
    """The most urgent grade (the force file lists grades most urgent first), a new target,
    new escalation points, and back on the dispatch list unless a unit is on its way (kept
    assigned). The unit kept, or ""."""
    incident = session.incident
    if not incident.is_open:
        return ""  # a closed incident keeps the log entry; the alert still goes out
    with incident_refusals():
        incident = incident_grade(
            incident=incident, grade=next(iter(settings.HUB_GRADES)), actor=None,
            reason="The victim signalled on the video call that the suspect is back.",
            redispatch=True)
    return incident.assigned_unit if incident.status == Incident.Status.ASSIGNED else ""


def suspect_present_recent(*, viewer: StaffUser,
                           now: datetime | None = None) -> list[SignalShown]:
    """The signals of the last CONSOLE_HOURS with no outcome recorded yet, newest first: of
    the calls the viewer may see (an incident kept from them is not named to them)."""
    since = (now or timezone.now()) - timedelta(hours=CONSOLE_HOURS)
    sessions = (sessions_visible_to(viewer).select_related("incident")
                .filter(suspect_present_at__gte=since, outcome="")
                .order_by("-suspect_present_at"))
    return [SignalShown(session_id=s.pk, reference=s.incident.reference,
                        at=s.suspect_present_at, by=s.suspect_present_by,
                        had_officer=s.officer_id is not None)
            for s in sessions if s.suspect_present_at is not None]
