"""An interpreter on a video call: the officer's invite and revoke (staff), and the
interpreter's own page (public, at /i/<token>/, with the victim page's private headers).
Thin: each checks, calls one service in rvr/interpreter.py and responds."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from contact_hub.conversations.look_views import reason_asked
from contact_hub.conversations.looks import ReasonNeeded
from contact_hub.staff.access import StaffRequest, role_required
from contact_hub.staff.audit import security_event_record
from contact_hub.staff.roles import MAY_TAKE_VIDEO_CALLS
from rvr.eligibility import RvrRefused
from rvr.ice import ice_servers
from rvr.interpreter import (
    INTERPRETER_COOKIE,
    interpreter_browser_matches,
    interpreter_invite,
    interpreter_join,
    interpreter_revoke,
    invite_for_token,
    invite_refusal,
)
from rvr.models import InterpreterInvite, VideoSession
from rvr.victim import COOKIE_SECONDS, victim_page
from rvr.visibility import sessions_visible_to

# What the interpreter's page says of a link it cannot use, whatever the reason: a different
# answer for "used in another browser" (given only while the call is on) would tell whoever
# holds the link whether the call is still going. The security event keeps the reason.
NO_LONGER_ACTIVE = ("This link is no longer active. If you still need to join, ask for a new "
                    "link.", 410)

# The officer's side.


def _call_of(request: StaffRequest, session_id: int) -> VideoSession | JsonResponse:
    session = get_object_or_404(sessions_visible_to(request.user).select_related("incident"),
                                pk=session_id)
    if session.officer_id != request.user.pk:
        security_event_record("video_officer_not_assigned", request=request,
                              detail={"session_id": session.pk})
        return JsonResponse({"error": "This call is assigned to another officer."}, status=403)
    return session


def _refused(request: StaffRequest, session: VideoSession, refusal: RvrRefused) -> JsonResponse:
    security_event_record("video_interpreter_refused", request=request,
                          detail={"session_id": session.pk})
    return JsonResponse({"error": str(refusal)}, status=400)


@require_POST
@role_required(*MAY_TAKE_VIDEO_CALLS)
def interpreter_invite_view(request: StaffRequest, session_id: int) -> HttpResponse:
    """The link, in this response only: the hub keeps no readable copy of it."""
    session = _call_of(request, session_id)
    if isinstance(session, JsonResponse):
        return session
    try:
        invitation = interpreter_invite(session=session, officer=request.user)
    except ReasonNeeded as needed:
        return reason_asked(request, needed)
    except RvrRefused as refusal:
        return _refused(request, session, refusal)
    return JsonResponse({"link": invitation.url, "interpreter_id": invitation.invite.pk})


@require_POST
@role_required(*MAY_TAKE_VIDEO_CALLS)
def interpreter_revoke_view(request: StaffRequest, session_id: int) -> HttpResponse:
    session = _call_of(request, session_id)
    if isinstance(session, JsonResponse):
        return session
    try:
        interpreter_revoke(session=session, officer=request.user)
    except ReasonNeeded as needed:
        return reason_asked(request, needed)
    except RvrRefused as refusal:
        return _refused(request, session, refusal)
    return JsonResponse({"revoked": True})


# The interpreter's page.

def _link_refused(request: HttpRequest, refusal: str,
                  invite: InterpreterInvite | None) -> tuple[str, int]:
    security_event_record(f"interpreter_link_{refusal}", request=request,
                          detail={"interpreter_id": invite.pk if invite else None})
    return NO_LONGER_ACTIVE


@victim_page
def interpreter_page_view(request: HttpRequest, token: str) -> HttpResponse:
    """Shows the page in the state the link is in; changes nothing (previews fetch it too)."""
    invite = invite_for_token(token)
    refusal = invite_refusal(invite, now=timezone.now())
    returning = invite is not None and interpreter_browser_matches(
        invite, request.COOKIES.get(INTERPRETER_COOKIE, ""))
    if refusal is None and invite is not None and invite.browser_hash and not returning:
        refusal = "second_browser"
    words, status = _link_refused(request, refusal, invite) if refusal else ("", 200)
    return render(request, "rvr/interpreter.html",
                  {"refusal": words, "returning": returning}, status=status)


@require_POST
@victim_page
def interpreter_join_view(request: HttpRequest, token: str) -> HttpResponse:
    result = interpreter_join(token=token,
                              browser_secret=request.COOKIES.get(INTERPRETER_COOKIE, ""))
    if result.refusal:
        words, status = _link_refused(request, result.refusal, result.invite)
        return JsonResponse({"refusal": words}, status=status)
    invite = result.invite
    assert invite is not None  # a join without a refusal always has its invite
    session_id = invite.session_id
    response = JsonResponse({
        "socket": f"/ws/rvr/{session_id}/interpreter/",
        "ice_servers": ice_servers(session_id=session_id, now=timezone.now()),
        "relay_only": True,  # an interpreter's connections always are (rvr/ice.py)
    })
    if result.browser_secret:
        response.set_cookie(INTERPRETER_COOKIE, result.browser_secret, max_age=COOKIE_SECONDS,
                            httponly=True, secure=request.is_secure(), samesite="Strict")
    return response
