"""Staff pages of call recordings: the console's chunk uploads, and playback. Thin: each checks,
calls one service in rvr/recording.py and responds; every refusal leaves a security event."""

from __future__ import annotations

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_POST

from contact_hub.conversations.look_views import reason_asked
from contact_hub.conversations.looks import ReasonNeeded
from contact_hub.staff.access import StaffRequest, role_required
from contact_hub.staff.audit import security_event_record
from contact_hub.staff.roles import MAY_SEE_EVIDENCE, MAY_TAKE_VIDEO_CALLS
from rvr.models import CallRecording, VideoSession
from rvr.recording import (
    TRACKS,
    RecordingRefused,
    chunk_upload_parse,
    recording_chunk_store,
    recording_read,
    recording_response,
    recording_track_bytes,
    recording_verify,
)


def _refused(request: StaffRequest, refusal: RecordingRefused, session_id: int) -> HttpResponse:
    security_event_record(f"recording_{refusal.kind}", request=request,
                          detail={"session_id": session_id})
    return JsonResponse({"error": str(refusal)}, status=refusal.status)


@require_POST
@role_required(*MAY_TAKE_VIDEO_CALLS)
def chunk_upload_view(request: StaffRequest, session_id: int) -> HttpResponse:
    """One chunk from the console's recorder: ?track=victim|officer&seq=N, the bytes as body."""
    session = get_object_or_404(VideoSession, pk=session_id)
    try:
        upload = chunk_upload_parse(track=request.GET.get("track", ""),
                                    seq=request.GET.get("seq", ""), data=request.body,
                                    content_type=request.content_type or "")
        chunk = recording_chunk_store(session=session, officer=request.user, upload=upload)
    except RecordingRefused as refusal:
        return _refused(request, refusal, session_id)
    return JsonResponse({"track": chunk.track, "seq": chunk.seq, "sha256": chunk.sha256,
                         "bytes": chunk.size})


def _readable(request: StaffRequest, session_id: int) -> CallRecording | HttpResponse:
    """The recording, or the response that stands instead of it (a refusal, the reason page)."""
    try:
        recording = recording_read(session_id=session_id, actor=request.user)
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
    return render(request, "rvr/recording.html", {
        "recording": recording, "session": recording.session,
        "incident": recording.incident, "check": recording_verify(recording),
        "tracks": TRACKS})


@require_GET
@role_required(*MAY_SEE_EVIDENCE)
def recording_track_view(request: StaffRequest, session_id: int, track: str) -> HttpResponse:
    if track not in TRACKS:
        raise Http404("No such side.")
    recording = _readable(request, session_id)
    if isinstance(recording, HttpResponse):
        return recording
    return recording_response(recording_track_bytes(recording, track))
