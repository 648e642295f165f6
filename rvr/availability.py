"""Officers on hand: RVR officers' availability, and the expected wait for a video call.

An officer sets themselves available, busy or off on the console; taking a call makes them
busy and its end gives back what they had chosen. Every change is a row of AvailabilityChange
(who, from, to, when, why) and a live event, so the console and the coordinators' checks
re-fetch.

The expected wait is meant to be explained in a sentence (`OnHand.explanation`):
- with officers available: the victims already waiting ahead are shared among them, and each
  whole round of calls (ahead ÷ available, rounded down) takes one typical call;
- with none available: the time until the earliest in-call officer is likely free (their call
  began, plus a typical call), plus the rounds of victims ahead shared among the officers in
  calls;
- with nobody in a call either: not known.
A typical call is the median length of the video calls that ended in the last
RVR_CALL_HISTORY_DAYS, or RVR_DEFAULT_CALL_MINUTES while too few did to say.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from contact_hub.live import LiveEvent, live_event_send
from contact_hub.staff.models import StaffUser
from contact_hub.staff.roles import MAY_TAKE_VIDEO_CALLS
from rvr.models import AvailabilityChange, OfficerAvailability, RvrAssessment, VideoSession

Status = OfficerAvailability.Status
Cause = AvailabilityChange.Cause
# Waits are shown in steps of this many minutes: an estimate, not a promise.
WAIT_STEP = 5
AHEAD_STATUSES = (VideoSession.Status.JOINED, VideoSession.Status.WAITING)


class AvailabilityRefused(ValueError):
    """The change is not allowed; the reason is safe to show to staff."""


# Changes.

def availability_set(*, officer: StaffUser, status: str,
                     now: datetime | None = None) -> OfficerAvailability:
    """The officer's own choice. In a call it is what they return to when the call ends."""
    if not officer.has_role(*MAY_TAKE_VIDEO_CALLS):
        raise AvailabilityRefused("Only RVR officers set themselves available for video calls.")
    if status not in Status.values:
        raise AvailabilityRefused("Choose available, busy or off.")
    now = now or timezone.now()
    with transaction.atomic():
        row = _locked(officer, now)
        before = row.chosen
        row.chosen = status
        if row.session_id is None:
            before, row.status, row.since = row.status, status, now
        row.save(update_fields=["chosen", "status", "since"])
        if before != status:
            # In a call the status stays busy: what changed is what they return to.
            _change_record(officer, before, status, Cause.CHOSEN, None, now)
    return row


def availability_call_start(*, officer: StaffUser, session: VideoSession,
                            now: datetime) -> None:
    """Taking a call makes the officer busy (run in the accept's transaction)."""
    row = _locked(officer, now)
    before = row.status
    row.status, row.session, row.since = Status.BUSY, session, now
    row.save(update_fields=["status", "session", "since"])
    _change_record(officer, before, Status.BUSY, Cause.CALL_STARTED, session, now)


def availability_call_end(*, session: VideoSession, now: datetime) -> None:
    """The call's end gives its officer back what they had chosen (run in its transaction)."""
    row = (OfficerAvailability.objects.select_for_update()
           .filter(session_id=session.pk).select_related("officer").first())
    if row is None:
        return
    before = row.status
    row.status, row.session, row.since = row.chosen, None, now
    row.save(update_fields=["status", "session", "since"])
    _change_record(row.officer, before, row.status, Cause.CALL_ENDED, session, now)


def availability_signed_out(*, officer: StaffUser, now: datetime | None = None) -> None:
    """Signing out is going off: an officer who went home is not on hand. A call still on
    keeps them busy until it ends, and then they are off."""
    now = now or timezone.now()
    with transaction.atomic():
        row = (OfficerAvailability.objects.select_for_update()
               .filter(officer=officer).first())
        if row is None or row.chosen == Status.OFF:
            return
        before, row.chosen = row.status, Status.OFF
        if row.session_id is None:
            row.status, row.since = Status.OFF, now
        row.save(update_fields=["chosen", "status", "since"])
        if before != row.status:
            _change_record(officer, before, row.status, Cause.SIGNED_OUT, None, now)


def _locked(officer: StaffUser, now: datetime) -> OfficerAvailability:
    row, _ = OfficerAvailability.objects.select_for_update().get_or_create(
        officer=officer, defaults={"since": now})
    return row


def _change_record(officer: StaffUser, before: str, after: str, cause: str,
                   session: VideoSession | None, now: datetime) -> None:
    AvailabilityChange.objects.create(officer=officer, from_status=before, to_status=after,
                                      cause=cause, session=session, at=now)
    live_event_send(LiveEvent.RVR_AVAILABILITY, officer_id=officer.pk)


# Reads.

def availability_of(officer: StaffUser) -> OfficerAvailability:
    """The officer's availability (off, if they never set one)."""
    row = OfficerAvailability.objects.filter(officer=officer).first()
    return row or OfficerAvailability(officer=officer, since=timezone.now())


@dataclass(frozen=True)
class TypicalCall:
    minutes: int
    calls: int  # how many ended calls the median is of; 0: the default


def typical_call(*, now: datetime) -> TypicalCall:
    since = now - timedelta(days=settings.RVR_CALL_HISTORY_DAYS)
    spans = VideoSession.objects.filter(
        ended_at__gte=since, ended_at__lte=now, officer_connected_at__isnull=False
    ).values_list("officer_connected_at", "ended_at")
    minutes = [(ended - began) / timedelta(minutes=1) for began, ended in spans
               if began is not None and ended is not None]  # always, by the filter
    if len(minutes) < settings.RVR_CALL_HISTORY_MIN_CALLS:
        return TypicalCall(settings.RVR_DEFAULT_CALL_MINUTES, 0)
    return TypicalCall(max(1, math.ceil(statistics.median(minutes))), len(minutes))


@dataclass(frozen=True)
class OnHand:
    available: int
    in_call: int
    ahead: int
    call: TypicalCall
    earliest_free: int | None  # minutes until the first in-call officer is likely free
    wait_minutes: int | None  # None: not known; 0: an officer is free now

    @property
    def explanation(self) -> str:
        """How the wait was worked out, in the coordinator's words."""
        typical = (f"a call takes about {self.call.minutes} min (the median of the last "
                   f"{self.call.calls} calls)" if self.call.calls else
                   f"a call takes about {self.call.minutes} min (the hub's default: too few "
                   "recent calls to say)")
        ahead = f"{self.ahead} victim{'s' if self.ahead != 1 else ''} waiting ahead"
        if self.available:
            return (f"{ahead} shared among {self.available} officer"
                    f"{'s' if self.available != 1 else ''} available; {typical}.")
        if self.earliest_free is None:
            return "No officer is available or in a call, so the wait is not known."
        return (f"No officer is available; the first of {self.in_call} in a call is likely "
                f"free in about {self.earliest_free} min; {ahead}; {typical}.")


def officers_on_hand(*, now: datetime | None = None,
                     ahead_of: VideoSession | None = None) -> OnHand:
    """How many officers are available, and the expected wait for a victim sent a link now
    (or for `ahead_of`, counting only the victims who joined before her)."""
    now = now or timezone.now()
    call = typical_call(now=now)
    available = OfficerAvailability.objects.filter(
        status=Status.AVAILABLE, session__isnull=True, officer__is_active=True,
        officer__role__in=MAY_TAKE_VIDEO_CALLS).count()
    ahead = _victims_ahead(ahead_of)
    began = [at for at in VideoSession.objects.filter(status=VideoSession.Status.IN_CALL)
             .values_list("officer_connected_at", flat=True) if at is not None]
    earliest = None
    if began:
        likely_free = min(began) + timedelta(minutes=call.minutes) - now
        earliest = _rounded(max(likely_free / timedelta(minutes=1), WAIT_STEP))
    if available:
        wait: int | None = _rounded(ahead // available * call.minutes)
    elif earliest is not None:
        wait = earliest + _rounded(ahead // len(began) * call.minutes)
    else:
        wait = None
    return OnHand(available=available, in_call=len(began), ahead=ahead, call=call,
                  earliest_free=earliest, wait_minutes=wait)


def _victims_ahead(session: VideoSession | None) -> int:
    waiting = VideoSession.objects.filter(status__in=AHEAD_STATUSES)
    if session is None:
        return waiting.count()
    joined = session.joined_at or timezone.now()
    return waiting.exclude(pk=session.pk).filter(
        Q(joined_at__lt=joined) | Q(joined_at=joined, pk__lt=session.pk)).count()


def _rounded(minutes: float) -> int:
    return WAIT_STEP * math.ceil(minutes / WAIT_STEP)


def victim_wait_words(session: VideoSession, *, now: datetime | None = None) -> str:
    """The waiting room's estimate: neutral (someone may read her screen), or nothing when
    the wait is not known."""
    on_hand = officers_on_hand(now=now, ahead_of=session)
    if on_hand.wait_minutes is None:
        return ""
    return f"Usually within {max(on_hand.wait_minutes, WAIT_STEP)} minutes."


# The offer: what the coordinator was shown, kept on the assessment.

def offer_refusal(on_hand: OnHand, *, wait_told: bool) -> str | None:
    """Why video may not be offered as asked: with no officer available, only once the
    coordinator has told the victim the wait."""
    if on_hand.available or wait_told:
        return None
    wait = (f"about {on_hand.wait_minutes} min" if on_hand.wait_minutes is not None
            else "not known")
    return (f"No officer is available now (expected wait: {wait}). Tell the victim the wait, "
            "then confirm you told her before recording that she chose a video call.")


def offer_note(assessment: RvrAssessment, on_hand: OnHand, *, wait_told: bool,
               no_officer: bool = False) -> None:
    """Keep on the assessment what was shown when video was offered (or could not be)."""
    assessment.officers_available = on_hand.available
    assessment.wait_minutes = on_hand.wait_minutes
    assessment.wait_told, assessment.no_officer = wait_told, no_officer
    assessment.save(update_fields=["officers_available", "wait_minutes", "wait_told",
                                   "no_officer"])


def offer_log_data(on_hand: OnHand, *, wait_told: bool) -> dict[str, object]:
    return {"officers_available": on_hand.available, "wait_minutes": on_hand.wait_minutes,
            "wait_told": wait_told}


# The supervisor's figures.

@dataclass(frozen=True)
class AvailabilityFigures:
    eligible: int  # passed every safety check: video offered, or not offered for no officer
    not_offered: int  # not offered: no officer was available
    offered_none_available: int  # offered with the wait stated, no officer available

    @property
    def not_offered_pct(self) -> float | None:
        return round(100 * self.not_offered / self.eligible, 1) if self.eligible else None

    @property
    def offered_none_available_pct(self) -> float | None:
        offered = self.eligible - self.not_offered
        return round(100 * self.offered_none_available / offered, 1) if offered else None


def availability_figures(*, since: datetime, until: datetime) -> AvailabilityFigures:
    """How often video could not be offered for lack of an officer, or was offered with none
    available, among the checks decided in the period."""
    counts = RvrAssessment.objects.filter(decided_at__gte=since, decided_at__lt=until).aggregate(
        eligible=Count("pk", filter=Q(consent__isnull=False) | Q(no_officer=True)),
        not_offered=Count("pk", filter=Q(no_officer=True)),
        offered_none=Count("pk", filter=Q(consent__isnull=False, officers_available=0)))
    return AvailabilityFigures(eligible=counts["eligible"], not_offered=counts["not_offered"],
                               offered_none_available=counts["offered_none"])


def officer_signed_out(sender: object, user: StaffUser | None = None, **kwargs: object) -> None:
    """Django's user_logged_out signal (connected from RvrConfig.ready())."""
    if user is not None and getattr(user, "role", None) in MAY_TAKE_VIDEO_CALLS:
        availability_signed_out(officer=user)
