"""Professional standards' misconduct referrals: the list (overdue first), a referral with the
staff it names and the candidates for one it does not, their looks, and the steps of its life.
Views are thin: check the role, call one service, answer. A referral that is about the reader
answers as one that does not exist."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from contact_hub.conversations.look_views import reason_asked
from contact_hub.conversations.looks import ReasonNeeded
from contact_hub.incidents.alerts import alert_acknowledge
from contact_hub.staff.access import StaffRequest, role_required
from contact_hub.staff.audit import security_event_record
from contact_hub.staff.reasons import REASON_MIN_CHARS
from contact_hub.staff.roles import MAY_REVIEW_CONDUCT
from contact_hub.triage.models import MisconductReferral, ReferralStage
from contact_hub.triage.referrals import (
    ReferralHidden,
    ReferralRefused,
    candidate_clear,
    referral_alerts_open_for,
    referral_assess,
    referral_close,
    referral_read,
    referral_refer_on,
    referrals_list_read,
    referrals_visible_to,
)


def _list_context(request: StaffRequest) -> dict:
    with transaction.atomic():
        listed = referrals_list_read(actor=request.user, ended_page=request.GET.get("page"))
    return {"open": listed.open, "ended": listed.ended, "ended_page": listed.ended_page,
            "alerts": listed.alerts}


@role_required(*MAY_REVIEW_CONDUCT)
def referral_list_view(request: StaffRequest) -> HttpResponse:
    return render(request, "triage/referrals.html", _list_context(request))


@role_required(*MAY_REVIEW_CONDUCT)
def referral_list_live_view(request: StaffRequest) -> HttpResponse:
    """The list alone, fetched by the page whenever the websocket says something changed."""
    return render(request, "triage/_referrals.html", _list_context(request))


def _refused(request: StaffRequest, referral_id: int) -> Http404:
    security_event_record("referral_refused", request=request,
                          detail={"referral_id": referral_id})
    return Http404()


@role_required(*MAY_REVIEW_CONDUCT)
def referral_view(request: StaffRequest, referral_id: int) -> HttpResponse:
    try:
        with transaction.atomic():
            page = referral_read(actor=request.user, referral_id=referral_id)
            return render(request, "triage/referral.html", {
                "page": page, "referral": page.referral, "min_chars": REASON_MIN_CHARS})
    except ReferralHidden:
        raise _refused(request, referral_id) from None
    except ReasonNeeded as needed:
        return reason_asked(request, needed)


def _referral(request: StaffRequest, referral_id: int) -> MisconductReferral:
    referral = referrals_visible_to(request.user).filter(pk=referral_id).first()
    if referral is None:
        raise _refused(request, referral_id)
    return referral


@require_POST
@role_required(*MAY_REVIEW_CONDUCT)
def referral_step_view(request: StaffRequest, referral_id: int) -> HttpResponse:
    referral = _referral(request, referral_id)
    step, reason = request.POST.get("step", ""), request.POST.get("reason", "")
    try:
        if step == ReferralStage.ASSESSED:
            referral_assess(referral=referral, actor=request.user, reason=reason)
        elif step == ReferralStage.CLOSED:
            referral_close(referral=referral, actor=request.user, reason=reason)
        else:
            referral_refer_on(referral=referral, to=step, actor=request.user, reason=reason)
    except ReferralRefused as refusal:
        messages.error(request, str(refusal))
    except ReferralHidden:
        raise _refused(request, referral_id) from None
    else:
        messages.success(request, f"Recorded: {ReferralStage(step).label.lower()}.")
    return redirect("triage:referral", referral_id=referral.pk)


@require_POST
@role_required(*MAY_REVIEW_CONDUCT)
def candidate_clear_view(request: StaffRequest, referral_id: int) -> HttpResponse:
    referral = _referral(request, referral_id)
    candidate = request.POST.get("candidate", "")
    try:
        cleared = candidate_clear(referral=referral,
                                  exclusion_id=int(candidate) if candidate.isdigit() else 0,
                                  actor=request.user, reason=request.POST.get("reason", ""))
    except ReferralRefused as refusal:
        messages.error(request, str(refusal))
    except ReferralHidden:
        raise _refused(request, referral_id) from None
    else:
        messages.success(request, f"{cleared.staff.username} is cleared: they see the contact "
                                  "again, and their looks at her are no longer flagged for it.")
    return redirect("triage:referral", referral_id=referral.pk)


@require_POST
@role_required(*MAY_REVIEW_CONDUCT)
def referral_alert_acknowledge_view(request: StaffRequest, alert_id: int) -> HttpResponse:
    alert = next((a for a in referral_alerts_open_for(request.user) if a.pk == alert_id), None)
    if alert is None:
        raise Http404
    alert_acknowledge(alert=alert, actor=request.user)
    return redirect("triage:referrals")
