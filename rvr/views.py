"""RVR pages for staff: the coordinator's check and link, the officer's console and call, the
supervisor's figures. Thin: each parses, checks, calls one service and responds."""

from __future__ import annotations

import json
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from contact_hub.conversations.conduct import contact_after_assignment_flag
from contact_hub.conversations.look_views import reason_asked
from contact_hub.conversations.looks import ReasonNeeded
from contact_hub.conversations.stored_files import stored_file_response
from contact_hub.incidents.models import Incident
from contact_hub.incidents.visibility import incidents_visible_to
from contact_hub.staff.access import StaffRequest, role_required
from contact_hub.staff.audit import security_event_record
from contact_hub.staff.roles import (
    MAY_COORDINATE_RVR,
    MAY_SEE_ANY_CALLS_EVIDENCE,
    MAY_SEE_EVIDENCE,
    MAY_SEE_INCIDENTS,
    MAY_SUPERVISE,
    MAY_TAKE_VIDEO_CALLS,
    MAY_WATCH_VIDEO_QUEUE,
)
from rvr.availability import availability_figures, officers_on_hand
from rvr.availability_views import console_availability
from rvr.calls import (
    call_notes_record,
    evidence_still_record,
    outcome_record,
    video_session_accept,
)
from rvr.connection import call_quality_config
from rvr.eligibility import (
    RvrRefused,
    rvr_check_record,
    rvr_consent_record,
)
from rvr.ice import ice_servers, relay_only
from rvr.links import video_link_revoke, video_link_send
from rvr.look_reasons import rvr_reason_required
from rvr.models import SAFETY_CHECKS, RiskAssessment, VideoSession
from rvr.risk_assessment import (
    risk_assessment_record,
    risk_assessment_summary,
    risk_form_shown,
)
from rvr.risk_forms import risk_form_current
from rvr.selectors import (
    evidence_still_read,
    rvr_check_read,
    rvr_figures,
    rvr_panel_read,
    video_call_read,
    video_waiting_read,
)
from rvr.shares import victim_shared_read
from rvr.suspect_present import key_word_set, suspect_present_recent
from rvr.visibility import assessments_visible_to, sessions_visible_to

# The coordinator: the check, the victim's choice, the link.

def _incident(request: StaffRequest, reference: str) -> Incident:
    """The incident, unless it carries an allegation naming the reader (then, as for one that
    does not exist, 404)."""
    return get_object_or_404(incidents_visible_to(
        Incident.objects.select_related("person"), request.user), reference=reference)


@role_required(*MAY_SEE_INCIDENTS)
def incident_panel_view(request: StaffRequest, reference: str) -> HttpResponse:
    """The RVR part of the incident page, re-fetched live."""
    incident = _incident(request, reference)
    try:
        panel = rvr_panel_read(incident=incident, actor=request.user)
        # What she shared in her calls is evidence: only for the roles that see any call's.
        shared = (victim_shared_read(actor=request.user, incident=incident)
                  if request.user.has_role(*MAY_SEE_ANY_CALLS_EVIDENCE) else None)
    except ReasonNeeded as needed:
        return reason_asked(request, needed)
    return render(request, "rvr/_incident_panel.html", {
        "incident": incident, "refusal": panel.refusal, "assessment": panel.assessment,
        "sessions": panel.sessions, "may_coordinate": request.user.has_role(*MAY_COORDINATE_RVR),
        "shared": shared,
    })


@role_required(*MAY_COORDINATE_RVR)
def check_view(request: StaffRequest, reference: str) -> HttpResponse:
    incident = _incident(request, reference)
    if request.method == "POST":
        answers = {key: request.POST.get(key) == "yes" for key in SAFETY_CHECKS
                   if request.POST.get(key) in ("yes", "no")}
        try:
            rvr_reason_required(request.user, incident.person_id)
            rvr_check_record(incident=incident, answers=answers, actor=request.user)
        except ReasonNeeded as needed:
            return reason_asked(request, needed)
        except RvrRefused as refusal:
            messages.error(request, str(refusal))
        return redirect("rvr:check", reference=incident.reference)
    try:
        check = rvr_check_read(incident=incident, actor=request.user)
    except ReasonNeeded as needed:
        return reason_asked(request, needed)
    return render(request, "rvr/check.html", {
        "incident": incident, "refusal": check.refusal, "checks": SAFETY_CHECKS.items(),
        "assessment": check.assessment, "channels": check.channels,
        "sessions": check.sessions, "link_minutes": settings.RVR_LINK_MINUTES,
        "on_hand": officers_on_hand(),
    })


@require_POST
@role_required(*MAY_COORDINATE_RVR)
def consent_view(request: StaffRequest, assessment_id: int) -> HttpResponse:
    assessment = get_object_or_404(assessments_visible_to(request.user).select_related("incident"),
                                   pk=assessment_id)
    choice = request.POST.get("consent")
    if choice not in ("yes", "no"):
        messages.error(request, "Record whether the victim chose RVR.")
    else:
        try:
            rvr_reason_required(request.user, assessment.incident.person_id)
            rvr_consent_record(assessment=assessment, consent=choice == "yes",
                               actor=request.user,
                               wait_told=request.POST.get("wait_told") == "yes")
        except ReasonNeeded as needed:
            return reason_asked(request, needed)
        except RvrRefused as refusal:
            security_event_record("rvr_consent_refused", request=request,
                                  detail={"assessment_id": assessment.pk})
            messages.error(request, str(refusal))
    return redirect("rvr:check", reference=assessment.incident.reference)


@require_POST
@role_required(*MAY_COORDINATE_RVR)
def key_word_view(request: StaffRequest, assessment_id: int) -> HttpResponse:
    """The key word agreed with the victim: kept as a hash, never shown again."""
    assessment = get_object_or_404(assessments_visible_to(request.user).select_related("incident"),
                                   pk=assessment_id)
    try:
        rvr_reason_required(request.user, assessment.incident.person_id)
        key_word_set(assessment=assessment, key_word=request.POST.get("key_word", ""),
                     actor=request.user)
    except ReasonNeeded as needed:
        return reason_asked(request, needed)
    except RvrRefused as refusal:
        security_event_record("rvr_key_word_refused", request=request,
                              detail={"assessment_id": assessment.pk})
        messages.error(request, str(refusal))
    else:
        messages.success(request, "Key word set.")
    return redirect("rvr:check", reference=assessment.incident.reference)


@require_POST
@role_required(*MAY_COORDINATE_RVR)
def link_send_view(request: StaffRequest, assessment_id: int) -> HttpResponse:
    assessment = get_object_or_404(
        assessments_visible_to(request.user).select_related("incident__person"), pk=assessment_id)
    person_id = assessment.incident.person_id
    try:
        with transaction.atomic():
            rvr_reason_required(request.user, person_id)
            session = video_link_send(assessment=assessment, actor=request.user,
                                      channel=request.POST.get("channel", ""))
            if person_id is not None:
                # The link reaches her phone: contact outside the sender's work is flagged.
                contact_after_assignment_flag(actor=request.user, person_id=person_id,
                                              what=f"video link {session.pk}")
    except ReasonNeeded as needed:
        return reason_asked(request, needed)
    except RvrRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, f"Link sent by {session.channel}.")
    return redirect("rvr:check", reference=assessment.incident.reference)


@require_POST
@role_required(*MAY_COORDINATE_RVR)
def link_revoke_view(request: StaffRequest, session_id: int) -> HttpResponse:
    session = get_object_or_404(sessions_visible_to(request.user).select_related("incident"),
                                pk=session_id)
    try:
        rvr_reason_required(request.user, session.incident.person_id)
        video_link_revoke(session=session, actor=request.user)
    except ReasonNeeded as needed:
        return reason_asked(request, needed)
    except RvrRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, "Link revoked: it no longer works.")
    return redirect("rvr:check", reference=session.incident.reference)


# The officer: the console, accepting, the call.

@role_required(*MAY_WATCH_VIDEO_QUEUE)
def console_view(request: StaffRequest) -> HttpResponse:
    return render(request, "rvr/console.html",
                  {**_waiting_context(request), **console_availability(request.user)})


@role_required(*MAY_WATCH_VIDEO_QUEUE)
def waiting_list_view(request: StaffRequest) -> HttpResponse:
    return render(request, "rvr/_waiting.html", _waiting_context(request))


def _waiting_context(request: StaffRequest) -> dict[str, object]:
    read = video_waiting_read(actor=request.user)
    return {"waiting": read.waiting, "may_accept": request.user.has_role(*MAY_TAKE_VIDEO_CALLS),
            "now": timezone.now(),
            "mine": sessions_visible_to(request.user).filter(
                officer=request.user, status=VideoSession.Status.IN_CALL).first(),
            "suspect_present": suspect_present_recent(viewer=request.user)}


@require_POST
@role_required(*MAY_TAKE_VIDEO_CALLS)
def accept_view(request: StaffRequest, session_id: int) -> HttpResponse:
    # The console that made the connection ready posts to connect_views.prepared_accept_view.
    session = get_object_or_404(sessions_visible_to(request.user).select_related("incident"),
                                pk=session_id)
    try:
        video_session_accept(session=session, officer=request.user)
    except ReasonNeeded as needed:
        return reason_asked(request, needed)
    except RvrRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("rvr:console")
    return redirect("rvr:call", session_id=session.pk)


def _officer_session(request: StaffRequest, session_id: int) -> VideoSession | HttpResponse:
    """The session if this officer took it; otherwise a refusal, recorded."""
    session = get_object_or_404(
        sessions_visible_to(request.user).select_related("incident__person"), pk=session_id)
    if session.officer_id != request.user.pk:
        security_event_record("video_officer_not_assigned", request=request,
                              detail={"session_id": session.pk})
        return render(request, "staff/refused.html",
                      {"reason": "This call is assigned to another officer."}, status=403)
    return session


@role_required(*MAY_TAKE_VIDEO_CALLS)
def call_view(request: StaffRequest, session_id: int) -> HttpResponse:
    session = _officer_session(request, session_id)
    if isinstance(session, HttpResponse):
        return session
    try:
        call = video_call_read(session=session, officer=request.user)
    except ReasonNeeded as needed:
        return reason_asked(request, needed)
    risk = call.risk
    return render(request, "rvr/call.html", {
        "session": session, "incident": session.incident, "history": call.history,
        "risk_form": risk_form_shown(risk), "risk": risk,
        "levels": RiskAssessment.Level.choices,
        "outcomes": VideoSession.Outcome.choices,
        "call_config": json.dumps({
            "session_id": session.pk, "socket": f"/ws/rvr/{session.pk}/officer/",
            "ice_servers": ice_servers(session_id=session.pk, now=timezone.now()),
            "relay_only": relay_only(), "in_call": session.status == "in_call",
            "quality": call_quality_config()}),
    })


@require_POST
@role_required(*MAY_TAKE_VIDEO_CALLS)
def dash_view(request: StaffRequest, session_id: int) -> HttpResponse:
    session = _officer_session(request, session_id)
    if isinstance(session, HttpResponse):
        return session
    form = risk_form_current()
    answers = {q.key: request.POST.get(f"q{q.key}", "") for q in form.questions}
    try:
        rvr_reason_required(request.user, session.incident.person_id)
        risk = risk_assessment_record(
            session=session, officer=request.user, answers=answers, form=form,
            form_seen=request.POST.get("risk_form", ""),
            judgement_level=request.POST.get("judgement_level", ""),
            judgement_reason=request.POST.get("judgement_reason", ""))
    except ReasonNeeded as needed:
        return reason_asked(request, needed)
    except RvrRefused as refusal:
        return JsonResponse({"error": str(refusal)}, status=400)
    return JsonResponse({"form": risk.form_key, "form_version": risk.form_version,
                         "score": risk.score, "level": risk.get_level_display(),
                         "marac_referral": risk.marac_referral,
                         "summary": risk_assessment_summary(risk, form)})


@require_POST
@role_required(*MAY_TAKE_VIDEO_CALLS)
def notes_view(request: StaffRequest, session_id: int) -> HttpResponse:
    session = _officer_session(request, session_id)
    if isinstance(session, HttpResponse):
        return session
    try:
        call_notes_record(session=session, officer=request.user,
                          safeguarding_advice=request.POST.get("safeguarding_advice", ""),
                          crime_details=request.POST.get("crime_details", ""))
    except ReasonNeeded as needed:
        return reason_asked(request, needed)
    except RvrRefused as refusal:
        return JsonResponse({"error": str(refusal)}, status=400)
    return JsonResponse({"saved": True})


@require_POST
@role_required(*MAY_TAKE_VIDEO_CALLS)
def still_view(request: StaffRequest, session_id: int) -> HttpResponse:
    session = _officer_session(request, session_id)
    if isinstance(session, HttpResponse):
        return session
    try:
        still = evidence_still_record(session=session, officer=request.user,
                                      image=request.body)
    except ReasonNeeded as needed:
        return reason_asked(request, needed)
    except RvrRefused as refusal:
        return JsonResponse({"error": str(refusal)}, status=400)
    return JsonResponse({"evidence_id": still.pk, "sha256": still.sha256, "bytes": still.size})


@role_required(*MAY_SEE_EVIDENCE)
def still_image_view(request: StaffRequest, still_id: int) -> HttpResponse:
    try:
        still = evidence_still_read(still_id=still_id, actor=request.user)
    except ReasonNeeded as needed:
        return reason_asked(request, needed)
    if still is None:
        raise Http404("No such evidence still.")
    return stored_file_response(bytes(still.image), name=f"still-{still.pk}")


@require_POST
@role_required(*MAY_TAKE_VIDEO_CALLS)
def outcome_view(request: StaffRequest, session_id: int) -> HttpResponse:
    session = _officer_session(request, session_id)
    if isinstance(session, HttpResponse):
        return session
    try:
        outcome_record(session=session, officer=request.user,
                       outcome=request.POST.get("outcome", ""),
                       reason=request.POST.get("reason", ""))
    except ReasonNeeded as needed:
        return reason_asked(request, needed)
    except RvrRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("rvr:call", session_id=session.pk)
    messages.success(request, "Outcome recorded.")
    return redirect("incidents:detail", reference=session.incident.reference)


# The supervisor.

@role_required(*MAY_SUPERVISE)
def figures_view(request: StaffRequest) -> HttpResponse:
    asked = request.GET.get("days", "")
    days = min(int(asked), 365) if asked.isdigit() and int(asked) > 0 else 30
    until = timezone.now()
    return render(request, "rvr/figures.html", {
        "days": days, "figures": rvr_figures(since=until - timedelta(days=days), until=until),
        "availability": availability_figures(since=until - timedelta(days=days), until=until),
        "recent": sessions_visible_to(request.user).select_related("incident", "officer")
        .order_by("-link_sent_at")[:50],
    })
