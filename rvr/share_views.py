"""The addresses of what a victim shares from a video call.

Hers: /v/<token>/location/ and /v/<token>/uploads/, posted by her page's script
(static/rvr/victim_share.js) and admitted only from the browser that joined (its cookie), as
the call's websocket is. Staff's: what she shared in the call (the officer's console re-fetches
it when told), and each photo or file, for display or as the original bytes. Every refusal is
a security event; none holds a coordinate, a file or a token.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from contact_hub.conversations.look_views import reason_asked
from contact_hub.conversations.looks import ReasonNeeded
from contact_hub.conversations.stored_files import stored_file_response
from contact_hub.staff.access import StaffRequest, role_required
from contact_hub.staff.audit import security_event_record
from contact_hub.staff.roles import MAY_SEE_EVIDENCE, MAY_TAKE_VIDEO_CALLS
from rvr.links import BROWSER_COOKIE, browser_matches, session_for_token
from rvr.location import position_parse, victim_location_record
from rvr.models import VictimUpload, VideoSession
from rvr.shares import CALL_NOT_OPEN, ShareRefused, victim_shared_read
from rvr.uploads import victim_upload_read, victim_upload_record
from rvr.victim import victim_page
from rvr.visibility import sessions_visible_to

# The victim's side.


def _her_session(request: HttpRequest, token: str) -> VideoSession | None:
    """The session if this is the browser that joined it; an unknown link and another browser
    are refused alike, so a post cannot tell anyone whether a link exists."""
    session = session_for_token(token)
    if session is None or not browser_matches(session, request.COOKIES.get(BROWSER_COOKIE, "")):
        return None
    return session


def _refused(request: HttpRequest, refusal: ShareRefused,
             session: VideoSession | None) -> JsonResponse:
    security_event_record(refusal.kind, request=request,
                          detail={"session_id": session.pk if session else None})
    return JsonResponse({"refusal": str(refusal)}, status=refusal.status)


def _not_hers(request: HttpRequest) -> JsonResponse:
    return _refused(request, ShareRefused(CALL_NOT_OPEN, kind="video_share_wrong_browser",
                                          status=403), None)


@require_POST
@victim_page
def victim_location_view(request: HttpRequest, token: str) -> HttpResponse:
    session = _her_session(request, token)
    if session is None:
        return _not_hers(request)
    try:
        location = victim_location_record(session_id=session.pk,
                                          position=position_parse(request.body))
    except ShareRefused as refusal:
        return _refused(request, refusal, session)
    return JsonResponse({"shared": True, "at": location.received_at.isoformat()})


@require_POST
@victim_page
def victim_upload_view(request: HttpRequest, token: str) -> HttpResponse:
    session = _her_session(request, token)
    if session is None:
        return _not_hers(request)
    try:
        upload = victim_upload_record(session_id=session.pk, content=request.body)
    except ShareRefused as refusal:
        return _refused(request, refusal, session)
    # Her own hash back, so her page can show what the officer has.
    return JsonResponse({"sent": True, "sha256": upload.sha256})


# Staff's side.


@role_required(*MAY_TAKE_VIDEO_CALLS)
def call_shared_view(request: StaffRequest, session_id: int) -> HttpResponse:
    """What she has shared in this call, for the officer's console (only the call's officer)."""
    session = get_object_or_404(sessions_visible_to(request.user).select_related("incident"),
                                pk=session_id)
    if session.officer_id != request.user.pk:
        security_event_record("video_officer_not_assigned", request=request,
                              detail={"session_id": session.pk})
        return render(request, "staff/refused.html",
                      {"reason": "This call is assigned to another officer."}, status=403)
    try:
        shared = victim_shared_read(actor=request.user, session=session)
    except ReasonNeeded as needed:
        return reason_asked(request, needed)
    return render(request, "rvr/_victim_shared.html", {"shared": shared})


@role_required(*MAY_SEE_EVIDENCE)
def upload_view(request: StaffRequest, upload_id: int) -> HttpResponse:
    """The display copy of a photo (shown inline), or a file she sent (downloaded)."""
    upload = _upload(request, upload_id, original=False)
    if isinstance(upload, HttpResponse):
        return upload
    if upload.display is None:
        return stored_file_response(bytes(upload.original), name=f"upload-{upload.pk}")
    return stored_file_response(bytes(upload.display), name=f"upload-{upload.pk}")


@role_required(*MAY_SEE_EVIDENCE)
def upload_original_view(request: StaffRequest, upload_id: int) -> HttpResponse:
    """The bytes exactly as she sent them, as evidence: always downloaded, never shown."""
    upload = _upload(request, upload_id, original=True)
    if isinstance(upload, HttpResponse):
        return upload
    response = stored_file_response(bytes(upload.original),
                                    name=f"upload-{upload.pk}-original")
    response["Content-Disposition"] = response["Content-Disposition"].replace(
        "inline;", "attachment;", 1)
    return response


def _upload(request: StaffRequest, upload_id: int, *, original: bool
            ) -> VictimUpload | HttpResponse:
    try:
        upload = victim_upload_read(upload_id=upload_id, actor=request.user, original=original)
    except ReasonNeeded as needed:
        return reason_asked(request, needed)
    except ShareRefused as refusal:
        security_event_record(refusal.kind, request=request, detail={"upload_id": upload_id})
        return render(request, "staff/refused.html", {"reason": str(refusal)},
                      status=refusal.status)
    if upload is None:
        raise Http404("No such upload.")
    return upload
