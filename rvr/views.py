"""RVR pages for staff: the coordinator's check and link, the officer's console and call, the
supervisor's figures. Thin: each parses, checks, calls one service and responds."""

from __future__ import annotations

import json
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from contact_hub.conversations.stored_files import stored_file_response
from contact_hub.incidents.models import Incident
from contact_hub.staff.access import StaffRequest, role_required
from contact_hub.staff.audit import security_event_record
from contact_hub.staff.roles import (
    MAY_COORDINATE_RVR,
    MAY_SEE_EVIDENCE,
    MAY_SEE_INCIDENTS,
    MAY_SUPERVISE,
    MAY_TAKE_VIDEO_CALLS,
    MAY_WATCH_VIDEO_QUEUE,
)
from rvr.calls import (
    call_notes_record,
    evidence_still_record,
    outcome_record,
    video_session_accept,
)
from rvr.eligibility import (
    RvrRefused,
    rvr_assessment_current,
    rvr_check_record,
    rvr_consent_record,
    rvr_ineligibility,
)
from rvr.ice import ice_servers, relay_only
from rvr.links import video_link_revoke, video_link_send
from rvr.models import SAFETY_CHECKS, RiskAssessment, RvrAssessment, VideoSession
from rvr.risk_assessment import DASH_QUESTIONS, HIGH_RISK_YES, risk_assessment_record
from rvr.selectors import (
    call_histories,
    evidence_still_read,
    rvr_check_read,
    rvr_figures,
    sessions_waiting,
    video_call_read,
)

# The coordinator: the check, the victim's choice, the link.

def _incident(reference: str) -> Incident:
    return get_object_or_404(Incident.objects.select_related("person"), reference=reference)


@role_required(*MAY_SEE_INCIDENTS)
def incident_panel_view(request: StaffRequest, reference: str) -> HttpResponse:
    """The RVR part of the incident page, re-fetched live."""
    incident = _incident(reference)
    return render(request, "rvr/_incident_panel.html", {
        "incident": incident, "refusal": rvr_ineligibility(incident),
        "assessment": rvr_assessment_current(incident),
        "sessions": incident.video_sessions.order_by("-link_sent_at")[:5],
        "may_coordinate": request.user.has_role(*MAY_COORDINATE_RVR),
    })


@role_required(*MAY_COORDINATE_RVR)
def check_view(request: StaffRequest, reference: str) -> HttpResponse:
    incident = _incident(reference)
    if request.method == "POST":
        answers = {key: request.POST.get(key) == "yes" for key in SAFETY_CHECKS
                   if request.POST.get(key) in ("yes", "no")}
        try:
            rvr_check_record(incident=incident, answers=answers, actor=request.user)
        except RvrRefused as refusal:
            messages.error(request, str(refusal))
        return redirect("rvr:check", reference=incident.reference)
    check = rvr_check_read(incident=incident, actor=request.user)
    return render(request, "rvr/check.html", {
        "incident": incident, "refusal": check.refusal, "checks": SAFETY_CHECKS.items(),
        "assessment": check.assessment, "channels": check.channels,
        "sessions": check.sessions, "link_minutes": settings.RVR_LINK_MINUTES,
    })


@require_POST
@role_required(*MAY_COORDINATE_RVR)
def consent_view(request: StaffRequest, assessment_id: int) -> HttpResponse:
    assessment = get_object_or_404(RvrAssessment.objects.select_related("incident"),
                                   pk=assessment_id)
    choice = request.POST.get("consent")
    if choice not in ("yes", "no"):
        messages.error(request, "Record whether the victim chose RVR.")
    else:
        try:
            rvr_consent_record(assessment=assessment, consent=choice == "yes",
                               actor=request.user)
        except RvrRefused as refusal:
            messages.error(request, str(refusal))
    return redirect("rvr:check", reference=assessment.incident.reference)


@require_POST
@role_required(*MAY_COORDINATE_RVR)
def link_send_view(request: StaffRequest, assessment_id: int) -> HttpResponse:
    assessment = get_object_or_404(RvrAssessment.objects.select_related("incident__person"),
                                   pk=assessment_id)
    try:
        session = video_link_send(assessment=assessment, actor=request.user,
                                  channel=request.POST.get("channel", ""))
    except RvrRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, f"Link sent by {session.channel}.")
    return redirect("rvr:check", reference=assessment.incident.reference)


@require_POST
@role_required(*MAY_COORDINATE_RVR)
def link_revoke_view(request: StaffRequest, session_id: int) -> HttpResponse:
    session = get_object_or_404(VideoSession.objects.select_related("incident"), pk=session_id)
    try:
        video_link_revoke(session=session, actor=request.user)
    except RvrRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, "Link revoked: it no longer works.")
    return redirect("rvr:check", reference=session.incident.reference)


# The officer: the console, accepting, the call.

@role_required(*MAY_WATCH_VIDEO_QUEUE)
def console_view(request: StaffRequest) -> HttpResponse:
    return render(request, "rvr/console.html", _waiting_context(request))


@role_required(*MAY_WATCH_VIDEO_QUEUE)
def waiting_list_view(request: StaffRequest) -> HttpResponse:
    return render(request, "rvr/_waiting.html", _waiting_context(request))


def _waiting_context(request: StaffRequest) -> dict[str, object]:
    sessions = list(sessions_waiting())
    waiting = list(zip(sessions, call_histories([s.incident for s in sessions]), strict=True))
    return {"waiting": waiting, "may_accept": request.user.has_role(*MAY_TAKE_VIDEO_CALLS),
            "now": timezone.now(),
            "mine": VideoSession.objects.filter(officer=request.user,
                                                status=VideoSession.Status.IN_CALL).first()}


@require_POST
@role_required(*MAY_TAKE_VIDEO_CALLS)
def accept_view(request: StaffRequest, session_id: int) -> HttpResponse:
    session = get_object_or_404(VideoSession.objects.select_related("incident"), pk=session_id)
    try:
        video_session_accept(session=session, officer=request.user)
    except RvrRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("rvr:console")
    return redirect("rvr:call", session_id=session.pk)


def _officer_session(request: StaffRequest, session_id: int) -> VideoSession | HttpResponse:
    """The session if this officer took it; otherwise a refusal, recorded."""
    session = get_object_or_404(VideoSession.objects.select_related("incident__person"),
                                pk=session_id)
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
    call = video_call_read(session=session, officer=request.user)
    risk = call.risk
    return render(request, "rvr/call.html", {
        "session": session, "incident": session.incident, "history": call.history,
        "questions": [(str(n), q, (risk.answers.get(str(n)) if risk else ""))
                      for n, q in enumerate(DASH_QUESTIONS, start=1)],
        "risk": risk, "levels": RiskAssessment.Level.choices, "high_risk_yes": HIGH_RISK_YES,
        "outcomes": VideoSession.Outcome.choices,
        "call_config": json.dumps({
            "session_id": session.pk, "socket": f"/ws/rvr/{session.pk}/officer/",
            "ice_servers": ice_servers(session_id=session.pk, now=timezone.now()),
            "relay_only": relay_only(), "in_call": session.status == "in_call"}),
    })


@require_POST
@role_required(*MAY_TAKE_VIDEO_CALLS)
def dash_view(request: StaffRequest, session_id: int) -> HttpResponse:
    session = _officer_session(request, session_id)
    if isinstance(session, HttpResponse):
        return session
    answers = {str(n): request.POST.get(f"q{n}", "") for n in range(1, len(DASH_QUESTIONS) + 1)}
    try:
        risk = risk_assessment_record(
            session=session, officer=request.user, answers=answers,
            judgement_level=request.POST.get("judgement_level", ""),
            judgement_reason=request.POST.get("judgement_reason", ""))
    except RvrRefused as refusal:
        return JsonResponse({"error": str(refusal)}, status=400)
    return JsonResponse({"yes_count": risk.yes_count, "level": risk.get_level_display(),
                         "marac_referral": risk.marac_referral})


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
    except RvrRefused as refusal:
        return JsonResponse({"error": str(refusal)}, status=400)
    return JsonResponse({"evidence_id": still.pk, "sha256": still.sha256, "bytes": still.size})


@role_required(*MAY_SEE_EVIDENCE)
def still_image_view(request: StaffRequest, still_id: int) -> HttpResponse:
    still = evidence_still_read(still_id=still_id, actor=request.user)
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
        "recent": VideoSession.objects.select_related("incident", "officer")
        .order_by("-link_sent_at")[:50],
    })
