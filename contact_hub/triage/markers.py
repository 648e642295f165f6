"""Markers on a person or address (MARAC, special schemes, warnings): setting them, the
officer's decision before one lapses, and the sweep that prompts and lapses them.

The learning reports behind this: a special scheme expired and was deleted without the victim
being told, and her next call was graded as if she were not at risk. So a marker raises the
suggested grade while it lasts, the officer responsible is prompted before it ends, the decision
is recorded, and the victim is told through their safe channel.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from contact_hub.conversations.notices import notice_text, victim_notice_send
from contact_hub.incidents.alerts import alert_raise
from contact_hub.incidents.models import Alert
from contact_hub.live import LiveEvent, live_event_send
from contact_hub.people.models import Person
from contact_hub.staff.audit import access_record
from contact_hub.staff.models import AccessEvent, Role, StaffUser
from contact_hub.staff.reasons import REASON_MIN_CHARS, reason_too_short
from contact_hub.staff.roles import MAY_SUPERVISE
from contact_hub.triage.assessment import person_triage_reassess
from contact_hub.triage.models import Marker

MAX_MARKER_DAYS = 366


class MarkerRefused(ValueError):
    """The change is not allowed; the reason is safe to show to staff."""


def _kind_config(kind: str) -> dict:
    try:
        return settings.HUB_MARKER_KINDS[kind]
    except KeyError as error:
        raise MarkerRefused(f"Unknown marker '{kind}'.") from error


def _day(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%-d %B}"


def _review_at(kind: str, *, starts_at: datetime, expires_at: datetime) -> datetime:
    before = timedelta(days=_kind_config(kind).get("review_days_before", 7))
    return max(starts_at, expires_at - before)


def _tell_victim(marker: Marker, notice: str) -> bool:
    if not _kind_config(marker.kind).get("tell_victim", False):
        return False
    return victim_notice_send(marker.person, notice_text(notice, until=_day(
        marker.expires_at))) is not None


def _changed(marker: Marker) -> None:
    person_triage_reassess(marker.person_id)
    live_event_send(LiveEvent.MARKER_CHANGED, marker_id=marker.pk, person_id=marker.person_id)


def marker_set(*, person: Person, kind: str, expires_at: datetime, officer: StaffUser,
               actor: StaffUser, note: str = "", address: str = "",
               now: datetime | None = None) -> Marker:
    """Put a marker on the person (or their address) and tell the victim it is there."""
    now = now or timezone.now()
    _kind_config(kind)
    if not now < expires_at <= now + timedelta(days=MAX_MARKER_DAYS):
        raise MarkerRefused(f"A marker ends after today and within {MAX_MARKER_DAYS} days.")
    with transaction.atomic():
        marker = Marker.objects.create(
            person=person, kind=kind, note=note.strip()[:300], address=address.strip()[:200],
            starts_at=now, expires_at=expires_at, officer=officer, created_by=actor,
            review_at=_review_at(kind, starts_at=now, expires_at=expires_at))
        told = _tell_victim(marker, "marker_set")
        access_record(actor=actor, action=AccessEvent.Action.CHANGE,
                      what=f"marker set: {marker.label}{' (victim told)' if told else ''}",
                      why="risk marker", person_id=person.pk)
        _changed(marker)
    return marker


def marker_decide(*, marker: Marker, extend_until: datetime | None, note: str,
                  actor: StaffUser, now: datetime | None = None) -> Marker:
    """The officer's decision after contacting (or trying to contact) the victim: extend to a
    new date, or withdraw. Either way the victim is told, and the decision is recorded."""
    now = now or timezone.now()
    note = note.strip()
    if marker.status != Marker.Status.ACTIVE:
        raise MarkerRefused("The marker has already ended.")
    if actor.pk != marker.officer_id and not actor.has_role(*MAY_SUPERVISE):
        raise MarkerRefused("Only the officer responsible or a supervisor decides.")
    if reason_too_short(note):
        raise MarkerRefused("Record your contact with the victim: the attempts and what they "
                            f"said ({REASON_MIN_CHARS} characters or more).")
    if extend_until is not None and not (
            marker.expires_at < extend_until <= now + timedelta(days=MAX_MARKER_DAYS)):
        raise MarkerRefused("Extend to a date after the current end, within a year.")
    with transaction.atomic():
        marker.decided_at, marker.decision_note = now, note[:500]
        if extend_until is not None:
            marker.expires_at = extend_until
            marker.review_at = _review_at(marker.kind, starts_at=now, expires_at=extend_until)
            marker.review_prompted_at = None
            notice, what = "marker_extended", "extended"
        else:
            marker.status, marker.ended_at = Marker.Status.WITHDRAWN, now
            notice, what = "marker_ending", "withdrawn"
        marker.save()
        told = _tell_victim(marker, notice)
        access_record(actor=actor, action=AccessEvent.Action.CHANGE,
                      what=f"marker {what}: {marker.label}{' (victim told)' if told else ''}",
                      why="marker review", person_id=marker.person_id)
        _changed(marker)
    return marker


def markers_sweep(*, now: datetime | None = None, limit: int = 200) -> dict[str, int]:
    """Prompt officers whose markers are due for review, and lapse markers that reached their
    end with no decision (telling the victim and the supervisors). Each row is claimed with a
    conditional UPDATE, so two sweepers never prompt or lapse the same marker twice."""
    now = now or timezone.now()
    prompted = lapsed = 0
    due = Marker.objects.filter(status=Marker.Status.ACTIVE, review_prompted_at__isnull=True,
                                review_at__lte=now).values_list("pk", flat=True)[:limit]
    for marker_id in list(due):
        prompted += _prompt(marker_id, now)
    ending = Marker.objects.filter(status=Marker.Status.ACTIVE,
                                   expires_at__lte=now).values_list("pk", flat=True)[:limit]
    for marker_id in list(ending):
        lapsed += _lapse(marker_id, now)
    return {"prompted": prompted, "lapsed": lapsed}


def _prompt(marker_id: int, now: datetime) -> int:
    with transaction.atomic():
        if not Marker.objects.filter(pk=marker_id, status=Marker.Status.ACTIVE,
                                     review_prompted_at__isnull=True).update(
                review_prompted_at=now):
            return 0
        marker = Marker.objects.get(pk=marker_id)
        alert_raise(kind=Alert.Kind.MARKER_REVIEW, for_user=marker.officer, marker_id=marker.pk,
                    detail={"expires_at": marker.expires_at.isoformat()})
        _changed(marker)
    return 1


def _lapse(marker_id: int, now: datetime) -> int:
    with transaction.atomic():
        if not Marker.objects.filter(pk=marker_id, status=Marker.Status.ACTIVE,
                                     expires_at__lte=now).update(
                status=Marker.Status.LAPSED, ended_at=now):
            return 0
        marker = Marker.objects.get(pk=marker_id)
        _tell_victim(marker, "marker_ending")
        alert_raise(kind=Alert.Kind.MARKER_LAPSED, for_role=Role.SUPERVISOR,
                    marker_id=marker.pk, detail={"officer": marker.officer.username})
        _changed(marker)
    return 1
