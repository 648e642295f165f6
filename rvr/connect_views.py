"""The faster connect: what the officer's console needs to make a call's connection ready
before they press Accept, and Accept from that console, its offer with it
(rvr/static/rvr/officer_connect.js)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from contact_hub.conversations.looks import ReasonNeeded
from contact_hub.staff.access import StaffRequest, role_required
from contact_hub.staff.audit import security_event_record
from contact_hub.staff.roles import MAY_TAKE_VIDEO_CALLS
from rvr.calls import video_session_accept
from rvr.consumers import prepared_offer_relay
from rvr.eligibility import RvrRefused
from rvr.ice import console_ice_servers, relay_only
from rvr.models import VideoSession
from rvr.signalling import OFFICER, SignalRefused
from rvr.visibility import sessions_visible_to


@role_required(*MAY_TAKE_VIDEO_CALLS)
def connect_settings_view(request: StaffRequest) -> HttpResponse:
    """ICE servers for the console's connection, and when to make it again: before its TURN
    credentials run out."""
    return JsonResponse({
        "ice_servers": console_ice_servers(officer_id=request.user.pk, now=timezone.now()),
        "relay_only": relay_only(),
        "renew_seconds": settings.TURN_CREDENTIAL_SECONDS // 2,
    })


@require_POST
@role_required(*MAY_TAKE_VIDEO_CALLS)
def prepared_accept_view(request: StaffRequest, session_id: int) -> HttpResponse:
    """Accept, from the console that made the connection ready: answered with where the call
    is, or why not, without leaving the page. Its offer goes to her only once the call is this
    officer's (`offered` says whether it went; if not, the console sends it over its socket)."""
    session = get_object_or_404(sessions_visible_to(request.user).select_related("incident"),
                                pk=session_id)
    try:
        video_session_accept(session=session, officer=request.user)
    except ReasonNeeded:
        return JsonResponse({"call": None})  # the console posts the form itself: asked why
    except RvrRefused as refusal:
        return JsonResponse({"error": str(refusal)}, status=409)
    return JsonResponse({"call": reverse("rvr:call", args=[session.pk]),
                         "socket": f"/ws/rvr/{session.pk}/officer/",
                         "offered": _offer_relayed(request, session)})


def _offer_relayed(request: StaffRequest, session: VideoSession) -> bool:
    offer = request.POST.get("offer")
    if not offer:
        return False
    try:
        return prepared_offer_relay(session=session, sdp=offer)
    except SignalRefused as refusal:
        # As the socket would: recorded, and nothing relayed.
        security_event_record(f"video_signal_{refusal.kind}", request=request,
                              detail={"session_id": session.pk, "side": OFFICER})
        return False
