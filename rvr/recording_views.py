"""Staff pages of call recordings: the console's chunk uploads, and playback. Thin: each checks,
calls one service in rvr/recording.py and responds; every refusal leaves a security event."""

from __future__ import annotations

import json
from datetime import datetime
from typing import cast

from django.core.handlers.asgi import ASGIRequest
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from contact_hub.conversations.look_views import reason_asked
from contact_hub.conversations.looks import ReasonNeeded
from contact_hub.staff.access import StaffRequest, role_required
from contact_hub.staff.audit import security_event_record
from contact_hub.staff.roles import MAY_SEE_EVIDENCE, MAY_TAKE_VIDEO_CALLS
from rvr.models import CallRecording
from rvr.recording import (
    PAGE_LOOK_COVERS,
    TRACKS,
    RecordingRefused,
    chunk_upload_parse,
    recording_chunk_store,
    recording_deleted,
    recording_read,
    recording_segment_response,
    recording_segments,
    recording_stop,
    recording_verify,
)
from rvr.visibility import sessions_visible_to

# The Django session's note of the playback pages this reader opened: session id -> when.
PAGE_LOOKS = "rvr_recording_looks"


def _refused(request: StaffRequest, refusal: RecordingRefused, session_id: int) -> HttpResponse:
    security_event_record(f"recording_{refusal.kind}", request=request,
                          detail={"session_id": session_id})
    return JsonResponse({"error": str(refusal)}, status=refusal.status)


@require_POST
@role_required(*MAY_TAKE_VIDEO_CALLS)
def chunk_upload_view(request: StaffRequest, session_id: int) -> HttpResponse:
    """One chunk from the console's recorder: ?track=victim|officer&seq=N, the bytes as body."""
    session = get_object_or_404(sessions_visible_to(request.user), pk=session_id)
    try:
        upload = chunk_upload_parse(track=request.GET.get("track", ""),
                                    seq=request.GET.get("seq", ""), data=request.body,
                                    content_type=request.content_type or "")
        chunk = recording_chunk_store(session=session, officer=request.user, upload=upload)
    except RecordingRefused as refusal:
        return _refused(request, refusal, session_id)
    return JsonResponse({"track": chunk.track, "seq": chunk.seq, "sha256": chunk.sha256,
                         "bytes": chunk.size})


@require_POST
@role_required(*MAY_TAKE_VIDEO_CALLS)
def recording_stop_view(request: StaffRequest, session_id: int) -> HttpResponse:
    """The console could not keep recording: {"reason": "upload_failed" | "refused"}."""
    session = get_object_or_404(sessions_visible_to(request.user), pk=session_id)
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        body = None
    # Anything but {"reason": "..."} is a stop without a reason, which the service refuses.
    reason = body.get("reason") if isinstance(body, dict) else None
    try:
        held = recording_stop(session=session, officer=request.user,
                              reason=reason if isinstance(reason, str) else "")
    except RecordingRefused as refusal:
        return _refused(request, refusal, session_id)
    return JsonResponse({"stopped": True, "chunks": held})


def _page_looked(request: StaffRequest, session_id: int) -> bool:
    """Whether this reader's playback page recorded its look lately: its players' range
    requests are part of that look, not looks of their own."""
    at = request.session.get(PAGE_LOOKS, {}).get(str(session_id))
    try:
        return at is not None and timezone.now() - datetime.fromisoformat(at) <= PAGE_LOOK_COVERS
    except (TypeError, ValueError):
        return False


def _page_look_note(request: StaffRequest, session_id: int) -> None:
    looks = dict(request.session.get(PAGE_LOOKS, {}))
    looks[str(session_id)] = timezone.now().isoformat()
    request.session[PAGE_LOOKS] = looks


def _readable(request: StaffRequest, session_id: int,
              looked: bool = False) -> CallRecording | HttpResponse:
    """The recording, or the response that stands instead of it (a refusal, the reason page)."""
    try:
        recording = recording_read(session_id=session_id, actor=request.user, looked=looked)
    except ReasonNeeded as needed:
        return reason_asked(request, needed)
    except RecordingRefused as refusal:
        security_event_record(f"recording_{refusal.kind}", request=request,
                              detail={"session_id": session_id})
        return render(request, "staff/refused.html", {"reason": str(refusal)},
                      status=refusal.status)
    if recording is None:
        raise Http404("No recording of that call.")
    return recording


@require_GET
@role_required(*MAY_SEE_EVIDENCE)
def recording_view(request: StaffRequest, session_id: int) -> HttpResponse:
    recording = _readable(request, session_id)
    if isinstance(recording, HttpResponse):
        return recording
    _page_look_note(request, session_id)
    check = recording_verify(recording)
    segments = recording_segments(recording)
    return render(request, "rvr/recording.html", {
        "recording": recording, "session": recording.session,
        "incident": recording.incident, "check": check,
        "deleted": check.deleted or recording.deleted_at is not None,
        "sides": [(track, range(len(segments[track]))) for track in TRACKS]})


@require_GET
@role_required(*MAY_SEE_EVIDENCE)
def recording_track_view(request: StaffRequest, session_id: int, track: str) -> HttpResponse:
    """One part of one side (?part=N, from 0), streamed and by range as the player asks."""
    if track not in TRACKS:
        raise Http404("No such side.")
    part = request.GET.get("part", "0")
    if not part.isdigit() or len(part) > 4:
        raise Http404("No such part.")
    recording = _readable(request, session_id, looked=_page_looked(request, session_id))
    if isinstance(recording, HttpResponse):
        return recording
    try:
        if recording_deleted(recording):
            raise RecordingRefused("This recording was deleted: there is nothing to play.",
                                   kind="deleted", status=410)
        streamed = recording_segment_response(
            recording, track, int(part), request.headers.get("Range", ""),
            asynchronous=isinstance(request, ASGIRequest))
    except RecordingRefused as refusal:
        return _refused(request, refusal, session_id)
    # Served like any response; role_required's type names only the plain kind.
    return cast(HttpResponse, streamed)
