"""The incident pages: the open list, an incident's timeline with its state, countdown and
markers, and the actions the viewer's role allows. They live in triage because they show
triage's risk flags and markers beside the incident; each action calls one incidents service."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from contact_hub.conversations.look_views import reason_asked
from contact_hub.conversations.looks import (
    ReasonNeeded,
    list_look_record,
    look_reason_required,
    look_record,
)
from contact_hub.incidents.log import log_verify
from contact_hub.incidents.models import Incident
from contact_hub.incidents.services import (
    IncidentRefused,
    incident_assign,
    incident_close,
    incident_diversion_review,
    incident_divert,
    incident_flag_add,
    incident_flag_remove,
    incident_grade,
    incident_note_add,
)
from contact_hub.incidents.visibility import incidents_visible_to
from contact_hub.staff.access import StaffRequest, role_required
from contact_hub.staff.audit import access_record
from contact_hub.staff.models import AccessEvent, StaffUser
from contact_hub.staff.roles import (
    MAY_NOTE_INCIDENTS,
    MAY_SEE_INCIDENTS,
    MAY_SUPERVISE,
    MAY_WORK_INCIDENTS,
)
from contact_hub.triage.forms import grade_choices
from contact_hub.triage.rules import risk_rules
from contact_hub.triage.selectors import person_markers

# The timeline's words for each kind of log entry.
LOG_KIND_WORDS = {
    "incident.opened": "Incident opened",
    "incident.graded": "Re-graded",
    "incident.closed": "Closed",
    "contact.linked": "Contact linked",
    "unit.assigned": "Unit assigned",
    "unit.reassigned": "Unit re-assigned after a diversion",
    "unit.diverted": "Unit diverted",
    "diversion.reviewed": "Diversion reviewed: not re-assigned",
    "flag.added": "Flag added",
    "flag.removed": "Flag removed",
    "note.added": "Note",
    "escalation.alerted": "Escalated to supervisors",
    "victim.told_of_delay": "Victim told of the delay",
    "victim.not_told_of_delay": "Victim could not be told of the delay (no safe channel)",
    "log.keyed": "Log signed with the force's key from here on",
    "domestic_prompt.overridden": "Non-domestic code confirmed despite domestic abuse words",
}


def _actions(user: StaffUser, incident: Incident) -> dict[str, bool]:
    """What the viewer's role may do to this incident now."""
    working = user.has_role(*MAY_WORK_INCIDENTS) and incident.is_open
    diverted = incident.status == Incident.Status.DIVERTED
    supervisor = user.has_role(*MAY_SUPERVISE)
    return {
        "grade": working, "flag": working, "close": working,
        "assign": working and (not diverted or supervisor),
        "divert": working and incident.status == Incident.Status.ASSIGNED,
        "review_diversion": incident.is_open and diverted and supervisor,
        "note": user.has_role(*MAY_NOTE_INCIDENTS) and incident.is_open,
    }


@role_required(*MAY_SEE_INCIDENTS)
def incident_view(request: StaffRequest, reference: str) -> HttpResponse:
    incident = _incident(request, reference)
    try:
        with transaction.atomic():
            if incident.person_id is not None:
                look_record(actor=request.user, person_id=incident.person_id,
                            what=f"incident {incident.reference}")
            return _render_incident(request, incident)
    except ReasonNeeded as needed:
        return reason_asked(request, needed)


def _incident(request: StaffRequest, reference: str) -> Incident:
    """The incident, unless it carries an allegation naming the reader: then, as for one that
    does not exist, 404."""
    incidents = incidents_visible_to(Incident.objects.select_related("person", "assigned_to"),
                                     request.user)
    return get_object_or_404(incidents, reference=reference)


def _render_incident(request: StaffRequest, incident: Incident) -> HttpResponse:
    log = list(incident.log.select_related("actor").order_by("seq"))
    for entry in log:
        entry.words = LOG_KIND_WORDS.get(entry.kind, entry.kind)  # for the template
    return render(request, "triage/incident.html", {
        "incident": incident,
        "log": log,
        "log_problem": log_verify(incident),
        "contacts": incident.contacts.select_related("message").order_by("-linked_at"),
        "markers": person_markers(incident.person_id) if incident.person_id else [],
        "actions": _actions(request.user, incident),
        "grades": grade_choices(),
        "rules": risk_rules(),
        "timers": incident.escalation_timers.filter(cancelled_at__isnull=True)
        .order_by("due_at"),
    })


@role_required(*MAY_SEE_INCIDENTS)
def incident_list_view(request: StaffRequest) -> HttpResponse:
    with transaction.atomic():
        incidents = list(incidents_visible_to(Incident.objects.filter(closed_at__isnull=True),
                                              request.user).order_by("target_at")[:200])
        list_look_record(actor=request.user, what="open incidents list",
                         why="the open incidents list",
                         person_ids=[i.person_id for i in incidents])
        return render(request, "triage/incident_list.html", {"incidents": incidents})


def _act(request: StaffRequest, reference: str, allowed: str,
         change: Callable[[Incident], object], done: str) -> HttpResponse:
    incident = _incident(request, reference)
    try:
        look_reason_required(request.user, incident.person_id)
    except ReasonNeeded as needed:
        return reason_asked(request, needed)
    if not _actions(request.user, incident)[allowed]:
        messages.error(request, "Your role cannot do that to this incident now.")
        return redirect("incidents:detail", reference=reference)
    try:
        change(incident)
    except IncidentRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, done)
        what = f"incident {incident.reference}: {allowed}"
        try:
            if incident.person_id is None:
                raise ReasonNeeded(0)
            look_record(actor=request.user, person_id=incident.person_id, what=what,
                        action=AccessEvent.Action.CHANGE)
        except ReasonNeeded:
            # No person to have a reason about, or the change itself ended the reason (a
            # re-assignment): the change is logged as the work it was.
            access_record(actor=request.user, action=AccessEvent.Action.CHANGE, what=what,
                          why="working an incident", person_id=incident.person_id)
    return redirect("incidents:detail", reference=reference)


@require_POST
@role_required(*MAY_WORK_INCIDENTS)
def incident_grade_view(request: StaffRequest, reference: str) -> HttpResponse:
    return _act(request, reference, "grade", lambda i: incident_grade(
        incident=i, grade=request.POST.get("grade", ""), actor=request.user,
        reason=request.POST.get("reason", "")), "Re-graded; the countdown starts again.")


@require_POST
@role_required(*MAY_WORK_INCIDENTS)
def incident_assign_view(request: StaffRequest, reference: str) -> HttpResponse:
    return _act(request, reference, "assign", lambda i: incident_assign(
        incident=i, unit=request.POST.get("unit", ""), actor=request.user), "Unit assigned.")


@require_POST
@role_required(*MAY_WORK_INCIDENTS)
def incident_divert_view(request: StaffRequest, reference: str) -> HttpResponse:
    return _act(request, reference, "divert", lambda i: incident_divert(
        incident=i, actor=request.user, reason=request.POST.get("reason", "")),
        "Marked diverted; a supervisor has been alerted.")


@require_POST
@role_required(*MAY_SUPERVISE)
def incident_diversion_review_view(request: StaffRequest, reference: str) -> HttpResponse:
    return _act(request, reference, "review_diversion", lambda i: incident_diversion_review(
        incident=i, actor=request.user, reason=request.POST.get("reason", "")),
        "Recorded why it is not re-assigned; it stays on the list until attended.")


@require_POST
@role_required(*MAY_WORK_INCIDENTS)
def incident_flag_view(request: StaffRequest, reference: str) -> HttpResponse:
    kind, reason = request.POST.get("kind", ""), request.POST.get("reason", "")
    if request.POST.get("change") == "remove":
        return _act(request, reference, "flag", lambda i: incident_flag_remove(
            incident=i, kind=kind, actor=request.user, reason=reason), "Flag removed.")
    if kind not in {rule.kind for rule in risk_rules()}:
        messages.error(request, "Unknown flag.")
        return redirect("incidents:detail", reference=reference)
    return _act(request, reference, "flag", lambda i: incident_flag_add(
        incident=i, kind=kind, actor=request.user, reason=reason), "Flag added.")


@require_POST
@role_required(*MAY_NOTE_INCIDENTS)
def incident_note_view(request: StaffRequest, reference: str) -> HttpResponse:
    return _act(request, reference, "note", lambda i: incident_note_add(
        incident=i, note=request.POST.get("note", ""), actor=request.user), "Note added.")


@require_POST
@role_required(*MAY_WORK_INCIDENTS)
def incident_close_view(request: StaffRequest, reference: str) -> HttpResponse:
    return _act(request, reference, "close", lambda i: incident_close(
        incident=i, reason=request.POST.get("reason", ""), actor=request.user),
        "Incident closed.")
