"""State changes on incidents. Each writes its log entry in the same transaction."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from contact_hub.conversations.models import Message
from contact_hub.incidents.alerts import alert_raise
from contact_hub.incidents.escalation import escalation_cancel, escalation_schedule
from contact_hub.incidents.grades import grade_target_at, opening_code_known
from contact_hub.incidents.log import log_append
from contact_hub.incidents.models import Alert, Incident, IncidentContact
from contact_hub.live import LiveEvent, live_event_send
from contact_hub.people.models import Person
from contact_hub.staff.assignments import assignment_start, assignments_end, follow_up_period
from contact_hub.staff.models import Assignment, Role, StaffUser
from contact_hub.staff.reasons import REASON_MIN_CHARS, reason_too_short
from contact_hub.staff.roles import MAY_SUPERVISE

THRIVE_FIELDS = ("threat", "harm", "risk", "investigation", "vulnerability", "engagement")
MAX_UNIT_LENGTH = 40


class IncidentRefused(ValueError):
    """The change is not allowed; the reason is safe to show to staff."""


def grade_target(grade: str, *, from_time: datetime) -> datetime | None:
    if grade not in settings.HUB_GRADES:
        raise IncidentRefused(f"Unknown grade '{grade}'.")
    return grade_target_at(grade, from_time=from_time)


def _changed(incident: Incident) -> None:
    live_event_send(LiveEvent.INCIDENT_CHANGED, incident_id=incident.pk)


def _holder_start(incident: Incident, staff: StaffUser | None, why: str) -> None:
    """The staff member now holds the incident: their reason to look at the person."""
    if staff is not None:
        assignment_start(staff=staff, person_id=incident.person_id,
                         kind=Assignment.Kind.INCIDENT, subject=f"incident:{incident.reference}",
                         why=why)


def _holder_end(incident: Incident, staff_id: int | None) -> None:
    """Someone else holds it now: their reason ends with it."""
    if staff_id is not None:
        Assignment.objects.filter(kind=Assignment.Kind.INCIDENT, staff_id=staff_id,
                                  subject=f"incident:{incident.reference}",
                                  ends_at__isnull=True).update(ends_at=timezone.now())


def _open_only(incident: Incident) -> None:
    if incident.closed_at is not None:
        raise IncidentRefused("The incident is closed.")


def incident_open(*, opening_code: str, grade: str, actor: StaffUser | None,
                  person: Person | None = None, message: Message | None = None,
                  thrive: dict[str, str] | None = None,
                  flags: list[str] | None = None) -> Incident:
    """Create an incident with its reference, target time and escalation points, linked to the
    contact if given."""
    now = timezone.now()
    target_at = grade_target(grade, from_time=now)
    if not opening_code_known(opening_code):
        raise IncidentRefused(f"Unknown opening code '{opening_code}'.")
    thrive = {k: v for k, v in (thrive or {}).items() if k in THRIVE_FIELDS}
    if message is not None and person is None:
        person = message.conversation.person
    with transaction.atomic():
        incident = Incident.objects.create(
            reference=f"pending-{uuid.uuid4().hex[:20]}", opening_code=opening_code.strip().upper(),
            grade=grade, person=person, target_at=target_at, flags=sorted(set(flags or [])),
            **thrive,
        )
        incident.reference = f"INC-{now:%Y%m%d}-{incident.pk:06d}"
        Incident.objects.filter(pk=incident.pk).update(reference=incident.reference)
        log_append(incident, "incident.opened", {
            "opening_code": incident.opening_code, "grade": grade,
            "target_at": target_at, "person_id": person.pk if person else None,
            "thrive": thrive, "flags": incident.flags,
        }, actor=actor)
        escalation_schedule(incident, start=now)
        if message is not None:
            incident_contact_link(incident=incident, message=message, actor=actor)
        _holder_start(incident, actor, "opened the incident")
        _changed(incident)
    return incident


def incident_contact_link(*, incident: Incident, message: Message,
                          actor: StaffUser | None) -> IncidentContact:
    with transaction.atomic():
        link, created = IncidentContact.objects.get_or_create(incident=incident, message=message)
        if created:
            log_append(incident, "contact.linked",
                       {"message_id": message.pk, "channel": message.channel}, actor=actor)
            _changed(incident)
    return link


def incident_grade(*, incident: Incident, grade: str, actor: StaffUser | None,
                   reason: str = "", thrive: dict[str, str] | None = None,
                   redispatch: bool = False) -> Incident:
    """Re-grade: the new target runs from now, and the escalation points follow it. With
    `redispatch` (the victim's own signal that the suspect is back: no actor) it goes back on
    the dispatch list too, nobody holding it: the new grade needs a unit sent, not the video
    call or whoever was working it. A unit already sent stays assigned: taking it off would
    only delay the one already on its way."""
    _open_only(incident)
    now = timezone.now()
    target_at = grade_target(grade, from_time=now)
    thrive = {k: v for k, v in (thrive or {}).items() if k in THRIVE_FIELDS}
    with transaction.atomic():
        previous = incident.grade
        incident.grade, incident.target_at = grade, target_at
        for field, value in thrive.items():
            setattr(incident, field, value)
        fields = ["grade", "target_at", *thrive]
        if redispatch:
            fields += _redispatch(incident)
        incident.save(update_fields=fields)
        data = {"from": previous, "grade": grade, "target_at": target_at,
                "reason": reason.strip(), "thrive": thrive}
        if redispatch:
            data["next"] = (f"unit {incident.assigned_unit} stays assigned"
                            if _unit_on_its_way(incident) else "back on the dispatch list")
        log_append(incident, "incident.graded", data, actor=actor)
        escalation_schedule(incident, start=now)
        _changed(incident)
    return incident


def _redispatch(incident: Incident) -> list[str]:
    """On the dispatch list again (a diverted one already is, and a unit on its way stays
    assigned): the fields changed."""
    if incident.status != Incident.Status.ASSIGNED or _unit_on_its_way(incident):
        return []
    _holder_end(incident, incident.assigned_to_id)
    incident.status, incident.assigned_to = Incident.Status.OPEN, None
    return ["status", "assigned_to"]


def _unit_on_its_way(incident: Incident) -> bool:
    return incident.status == Incident.Status.ASSIGNED and bool(incident.assigned_unit)


def incident_assign(*, incident: Incident, unit: str, actor: StaffUser,
                    officer: StaffUser | None = None) -> Incident:
    """Send a unit. A diverted incident may only be re-assigned by a supervisor, who owns the
    decision that the original incident is still attended."""
    _open_only(incident)
    unit = unit.strip().upper()
    if not unit or len(unit) > MAX_UNIT_LENGTH:
        raise IncidentRefused("Give the unit's call sign.")
    was_diverted = incident.status == Incident.Status.DIVERTED
    if was_diverted and not actor.has_role(*MAY_SUPERVISE):
        raise IncidentRefused("The unit was diverted: a supervisor re-assigns this incident.")
    with transaction.atomic():
        incident.status, incident.assigned_unit = Incident.Status.ASSIGNED, unit
        if officer is not None and officer.pk != incident.assigned_to_id:
            _holder_end(incident, incident.assigned_to_id)
        incident.assigned_to = officer or incident.assigned_to
        incident.save(update_fields=["status", "assigned_unit", "assigned_to"])
        _holder_start(incident, officer, f"attending as {unit}")
        log_append(incident, "unit.reassigned" if was_diverted else "unit.assigned",
                   {"unit": unit, "officer": officer.username if officer else None}, actor=actor)
        _changed(incident)
    return incident


def incident_divert(*, incident: Incident, actor: StaffUser, reason: str) -> Incident:
    """The assigned unit went elsewhere. The incident keeps its place and its countdown and is
    flagged for a supervisor until they re-assign or record why not."""
    _open_only(incident)
    if incident.status != Incident.Status.ASSIGNED:
        raise IncidentRefused("Only an incident with a unit assigned can be diverted.")
    reason = reason.strip()
    if not reason:
        raise IncidentRefused("Say where the unit went, or why.")
    with transaction.atomic():
        unit = incident.assigned_unit
        incident.status = Incident.Status.DIVERTED
        incident.save(update_fields=["status"])
        log_append(incident, "unit.diverted", {"unit": unit, "reason": reason}, actor=actor)
        alert_raise(kind=Alert.Kind.DIVERTED, for_role=Role.SUPERVISOR, incident_id=incident.pk,
                    detail={"unit": unit})
        _changed(incident)
    return incident


def incident_diversion_review(*, incident: Incident, actor: StaffUser,
                              reason: str) -> Incident:
    """A supervisor records why the diverted incident is not re-assigned now. It stays open,
    counting down and escalating, until a unit is sent or it is closed."""
    _open_only(incident)
    if not actor.has_role(*MAY_SUPERVISE):
        raise IncidentRefused("Only a supervisor can decide about a diverted unit.")
    if incident.status != Incident.Status.DIVERTED:
        raise IncidentRefused("The incident is not diverted.")
    reason = reason.strip()
    if reason_too_short(reason):
        raise IncidentRefused("Record why the incident is not re-assigned "
                              f"({REASON_MIN_CHARS} characters or more).")
    with transaction.atomic():
        unit = incident.assigned_unit
        incident.status, incident.assigned_unit = Incident.Status.OPEN, ""
        incident.save(update_fields=["status", "assigned_unit"])
        log_append(incident, "diversion.reviewed", {"unit": unit, "not_reassigned_because":
                                                    reason}, actor=actor)
        _changed(incident)
    return incident


def incident_flag_add(*, incident: Incident, kind: str, actor: StaffUser | None,
                      reason: str = "", words: list[str] | None = None) -> bool:
    """Add a risk flag; False if it was already there."""
    _open_only(incident)
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        if kind in locked.flags:
            return False
        incident.flags = sorted({*locked.flags, kind})
        Incident.objects.filter(pk=incident.pk).update(flags=incident.flags)
        log_append(incident, "flag.added", {"flag": kind, "reason": reason.strip(),
                                            "words": list(words or [])}, actor=actor)
        _changed(incident)
    return True


def incident_flag_remove(*, incident: Incident, kind: str, actor: StaffUser,
                         reason: str) -> bool:
    """Remove a risk flag, with the reason; False if it was not there."""
    _open_only(incident)
    if not reason.strip():
        raise IncidentRefused("Say why the flag is removed.")
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        if kind not in locked.flags:
            return False
        incident.flags = [f for f in locked.flags if f != kind]
        Incident.objects.filter(pk=incident.pk).update(flags=incident.flags)
        log_append(incident, "flag.removed", {"flag": kind, "reason": reason.strip()},
                   actor=actor)
        _changed(incident)
    return True


def incident_note_add(*, incident: Incident, note: str, actor: StaffUser) -> None:
    note = note.strip()
    if not note:
        raise IncidentRefused("The note is empty.")
    with transaction.atomic():
        log_append(incident, "note.added", {"note": note[:2000]}, actor=actor)
        _changed(incident)


def incident_close(*, incident: Incident, reason: str, actor: StaffUser) -> Incident:
    if incident.closed_at is not None:
        raise IncidentRefused("The incident is already closed.")
    reason = reason.strip()
    if not reason:
        raise IncidentRefused("Say why the incident is being closed.")
    with transaction.atomic():
        incident.status, incident.closed_at = Incident.Status.CLOSED, timezone.now()
        incident.save(update_fields=["status", "closed_at"])
        escalation_cancel(incident)
        # Follow-up work (a welfare call, a statement) goes on for a while after it closes.
        assignments_end(kind=Assignment.Kind.INCIDENT, subject=f"incident:{incident.reference}",
                        at=incident.closed_at, keep=follow_up_period())
        log_append(incident, "incident.closed", {"reason": reason}, actor=actor)
        _changed(incident)
    return incident


def incident_video_call_accept(*, incident: Incident, officer: StaffUser,
                               session_id: int) -> Incident:
    """An officer took the victim's video call: the incident is theirs while they talk. Its
    countdown keeps running, so a call that ends with no outcome still escalates."""
    _open_only(incident)
    with transaction.atomic():
        if officer.pk != incident.assigned_to_id:
            _holder_end(incident, incident.assigned_to_id)
        incident.status, incident.assigned_to = Incident.Status.ASSIGNED, officer
        incident.save(update_fields=["status", "assigned_to"])
        _holder_start(incident, officer, "Rapid Video Response call")
        log_append(incident, "video.officer_accepted",
                   {"session_id": session_id, "officer": officer.username}, actor=officer)
        _changed(incident)
    return incident


def incident_requeue(*, incident: Incident, actor: StaffUser | None, reason: str,
                     now: datetime | None = None) -> Incident:
    """Back to the dispatch list for attendance, nobody assigned, the countdown restarted from
    the grade. The escalation points move with the target: the old ones are cancelled, so none
    fires against a target nobody works to, and new ones count down to the new one."""
    _open_only(incident)
    reason = reason.strip()
    if not reason:
        raise IncidentRefused("Say why the incident goes back to dispatch.")
    now = now or timezone.now()
    target_at = grade_target(incident.grade, from_time=now)
    with transaction.atomic():
        _holder_end(incident, incident.assigned_to_id)
        incident.status, incident.assigned_to = Incident.Status.OPEN, None
        incident.target_at = target_at
        incident.save(update_fields=["status", "assigned_to", "target_at"])
        log_append(incident, "incident.requeued", {"reason": reason, "target_at": target_at},
                   actor=actor)
        escalation_schedule(incident, start=now)
        _changed(incident)
    return incident
