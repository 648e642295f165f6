"""Officers on hand, on staff pages: the officer setting their availability on the console, the
counts and the expected wait the coordinator sees on the RVR check (both live regions), and
recording that video could not be offered for want of an officer. Thin, like rvr/views.py."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from contact_hub.conversations.look_views import reason_asked
from contact_hub.conversations.looks import ReasonNeeded
from contact_hub.staff.access import StaffRequest, role_required
from contact_hub.staff.audit import security_event_record
from contact_hub.staff.models import StaffUser
from contact_hub.staff.roles import (
    MAY_COORDINATE_RVR,
    MAY_TAKE_VIDEO_CALLS,
    MAY_WATCH_VIDEO_QUEUE,
)
from rvr.availability import (
    AvailabilityRefused,
    availability_of,
    availability_set,
    officers_on_hand,
)
from rvr.eligibility import RvrRefused, rvr_not_offered_record
from rvr.look_reasons import rvr_reason_required
from rvr.models import OfficerAvailability
from rvr.visibility import assessments_visible_to


def console_availability(user: StaffUser) -> dict[str, object]:
    """What the console's availability panel shows its reader."""
    return {"my_availability": availability_of(user),
            "may_set_availability": user.has_role(*MAY_TAKE_VIDEO_CALLS),
            "availability_choices": OfficerAvailability.Status.choices,
            "on_hand": officers_on_hand()}


@role_required(*MAY_WATCH_VIDEO_QUEUE)
def availability_panel_view(request: StaffRequest) -> HttpResponse:
    """The console's panel alone, re-fetched live."""
    return render(request, "rvr/_availability_console.html", console_availability(request.user))


@require_POST
@role_required(*MAY_TAKE_VIDEO_CALLS)
def availability_set_view(request: StaffRequest) -> HttpResponse:
    status = request.POST.get("status", "")
    try:
        row = availability_set(officer=request.user, status=status)
    except AvailabilityRefused as refusal:
        security_event_record("rvr_availability_refused", request=request,
                              detail={"status": status[:20]})
        messages.error(request, str(refusal))
    else:
        messages.success(request, f"You are {row.get_status_display().lower()}"
                         + (f"; after this call, {row.get_chosen_display().lower()}."
                            if row.session_id else "."))
    return redirect("rvr:console")


@role_required(*MAY_COORDINATE_RVR)
def on_hand_view(request: StaffRequest) -> HttpResponse:
    """The check page's officers-on-hand region, re-fetched live. Counts only: nobody's
    record is read."""
    return render(request, "rvr/_availability_on_hand.html", {"on_hand": officers_on_hand()})


@require_POST
@role_required(*MAY_COORDINATE_RVR)
def not_offered_view(request: StaffRequest, assessment_id: int) -> HttpResponse:
    assessment = get_object_or_404(
        assessments_visible_to(request.user).select_related("incident"), pk=assessment_id)
    try:
        rvr_reason_required(request.user, assessment.incident.person_id)
        rvr_not_offered_record(assessment=assessment, actor=request.user)
    except ReasonNeeded as needed:
        return reason_asked(request, needed)
    except RvrRefused as refusal:
        security_event_record("rvr_not_offered_refused", request=request,
                              detail={"assessment_id": assessment.pk})
        messages.error(request, str(refusal))
    else:
        messages.success(request, "Recorded: video could not be offered, no officer was "
                         "available. The incident stays in the dispatch queue.")
    return redirect("rvr:check", reference=assessment.incident.reference)
