"""Recording a video call, where the force allows it and the victim agrees.

At the start of the call the officer's console asks (`recording_question`), her page asks her,
and her answer is logged (`recording_consent_record`); no means nothing is recorded. With a yes
the console records both sides with the browser's MediaRecorder (media never passes through the
hub) and uploads short chunks as the call goes (`recording_chunk_store`). Each side's chunks
form a chain: every chunk's log entry carries its SHA-256 and the one before it, in the same
transaction as the chunk's row, so `recording_verify` (and `manage.py rvr_recording_verify`)
names a chunk that is missing, altered, reordered or added. Playback is for the call's officer
while they hold the call, and for supervisors and professional standards, each look in the
access log (`recording_read`). The retention sweep (`recordings_expire`) deletes chunks past
the force's retention period and logs the deletion, the hashes kept in the log.

Chunks are kept in the database (like evidence stills) so a chunk and its log entry commit
together or not at all; a call of an hour at 1 Mbit/s is about 450 MB per side, which
PostgreSQL keeps out of line (TOAST). At this product's scale of a few recorded calls a day
kept for 90 days that is fine; a force recording far more would move the bytes to object
storage with the same chain.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone

from contact_hub.conversations.looks import look_record
from contact_hub.conversations.stored_files import STORED_FILE_HEADERS
from contact_hub.incidents.log import log_append, log_verify
from contact_hub.incidents.models import Incident, LogEntry
from contact_hub.live import LiveEvent
from contact_hub.staff.assignments import assignments_current_for
from contact_hub.staff.audit import access_record
from contact_hub.staff.models import AccessEvent, Assignment, Role, StaffUser
from rvr.eligibility import RvrRefused
from rvr.live import session_tell
from rvr.look_reasons import video_subject
from rvr.models import CallRecording, RecordingChunk, VideoSession

TRACKS = ("victim", "officer")
GENESIS = "0" * 64
# What MediaRecorder makes in the browsers officers use; the first chunk of a side carries the
# WebM (EBML) header, the rest are clusters that follow it.
CHUNK_TYPES = ("video/webm", "audio/webm")
EBML_MAGIC = b"\x1a\x45\xdf\xa3"
CHUNK_KIND = "recording.chunk_stored"
CONSENT_KIND = "recording.consent"
DELETED_KIND = "recording.deleted"
# The victim's question, neutral: nothing about police, evidence or who will watch it.
QUESTION = ("Can we record this call? It helps keep an accurate record of what you tell us. "
            "You can still have the call if you say no.")


class RecordingRefused(RvrRefused):
    """A refusal with the security event's kind and the HTTP status that says it."""

    def __init__(self, reason: str, *, kind: str, status: int = 400) -> None:
        super().__init__(reason)
        self.kind, self.status = kind, status


def recording_policy() -> dict[str, Any]:
    """The force file's [recording] table: allowed, retention_days, chunk_seconds."""
    return dict(settings.HUB_RECORDING)


def recording_grace() -> timedelta:
    """How long after the call ends its last chunks are still taken: the recorders stop when
    the call does, and their final few seconds arrive just after."""
    return timedelta(seconds=2 * recording_policy()["chunk_seconds"] + 10)


# Asking and answering.

def recording_question(*, session_id: int) -> dict[str, Any]:
    """What the officer's ask leads to: the question for the victim if recording is allowed
    and she has not answered, otherwise the state the officer's page should show."""
    recording = CallRecording.objects.filter(session_id=session_id).first()
    if not recording_policy()["allowed"]:
        return {"type": "recording.state", "state": "not_allowed"}
    if recording is not None:
        return {"type": "recording.consent", "agreed": recording.consent}
    return {"type": "recording.ask", "question": QUESTION}


def recording_started(*, session_id: int) -> bool:
    """Whether the hub holds a chunk of this call (its "recording" indicator is on)."""
    return CallRecording.objects.filter(session_id=session_id, consent=True,
                                        started_at__isnull=False,
                                        deleted_at__isnull=True).exists()


def recording_consent_record(*, session_id: int, agreed: bool,
                             now: datetime | None = None) -> CallRecording:
    """The victim's answer, in the incident log. She answers once; no means no recording."""
    if not recording_policy()["allowed"]:
        raise RecordingRefused("Calls are not recorded here.", kind="not_allowed", status=403)
    now = now or timezone.now()
    with transaction.atomic():
        session = (VideoSession.objects.select_for_update().select_related("incident")
                   .get(pk=session_id))
        if session.status != VideoSession.Status.IN_CALL:
            raise RecordingRefused("The call is not on.", kind="closed", status=403)
        if CallRecording.objects.filter(session=session).exists():
            raise RecordingRefused("Your answer is already recorded.", kind="answered",
                                   status=409)
        recording = CallRecording.objects.create(session=session, incident=session.incident,
                                                 consent=agreed, answered_at=now)
        log_append(session.incident, CONSENT_KIND, {
            "session_id": session.pk, "agreed": agreed,
            "asked": QUESTION})
    return recording


# Chunks.

@dataclass(frozen=True)
class ChunkUpload:
    track: str
    seq: int
    data: bytes
    content_type: str


def chunk_upload_parse(*, track: str, seq: str, data: bytes, content_type: str) -> ChunkUpload:
    """The upload's own shape: which side, which chunk, its size and type."""
    if track not in TRACKS:
        raise RecordingRefused("Name the side: victim or officer.", kind="malformed")
    if not seq.isdigit() or len(seq) > 7:
        raise RecordingRefused("A chunk has a sequence number.", kind="malformed")
    if not data:
        raise RecordingRefused("The chunk is empty.", kind="malformed")
    if len(data) > settings.RVR_RECORDING_CHUNK_MAX_BYTES:
        raise RecordingRefused("That chunk is too large.", kind="oversized", status=413)
    base_type = content_type.split(";")[0].strip().lower()
    if base_type not in CHUNK_TYPES:
        raise RecordingRefused("A chunk is WebM video or audio.", kind="bad_type", status=415)
    if int(seq) == 0 and not data.startswith(EBML_MAGIC):
        raise RecordingRefused("The first chunk must start a WebM recording.", kind="bad_type",
                               status=415)
    return ChunkUpload(track=track, seq=int(seq), data=data, content_type=base_type)


def recording_chunk_store(*, session: VideoSession, officer: StaffUser, upload: ChunkUpload,
                          now: datetime | None = None) -> RecordingChunk:
    """Keep one chunk, chained to the side's chunk before it, its hash in the incident log in
    the same transaction. Only the call's officer, only with her yes, only during the call (and
    its grace for the last chunks). Sending the same chunk again is harmless (a retry)."""
    now = now or timezone.now()
    digest = hashlib.sha256(upload.data).hexdigest()
    with transaction.atomic():
        session = (VideoSession.objects.select_for_update().select_related("incident")
                   .get(pk=session.pk))
        _may_record(session, officer, now)
        recording = CallRecording.objects.select_for_update().filter(session=session).first()
        if recording is None or not recording.consent or recording.deleted_at is not None:
            raise RecordingRefused("The victim has not agreed to this call being recorded.",
                                   kind="no_consent", status=403)
        last = (RecordingChunk.objects.filter(recording=recording, track=upload.track)
                .order_by("-seq").only("seq", "sha256").first())
        repeat = _chunk_repeat(recording, upload, digest, last)
        if repeat is not None:
            return repeat
        chunk = RecordingChunk.objects.create(
            recording=recording, track=upload.track, seq=upload.seq, data=upload.data,
            content_type=upload.content_type, sha256=digest,
            prev_sha256=last.sha256 if last else GENESIS, size=len(upload.data),
            received_at=now)
        log_append(session.incident, CHUNK_KIND, {
            "session_id": session.pk, "recording_id": recording.pk, "track": upload.track,
            "seq": upload.seq, "sha256": digest, "prev_sha256": chunk.prev_sha256,
            "bytes": chunk.size}, actor=officer)
        if recording.started_at is None:
            recording.started_at = now
            recording.save(update_fields=["started_at"])
            # Both pages show "recording" from the first stored chunk: the hub says so, not
            # the console.
            session_tell(session, LiveEvent.VIDEO_RECORDING)
    return chunk


def _may_record(session: VideoSession, officer: StaffUser, now: datetime) -> None:
    if session.officer_id != officer.pk:
        raise RecordingRefused("Only the officer who took this call can record it.",
                               kind="not_officer", status=403)
    if not recording_policy()["allowed"]:
        raise RecordingRefused("Calls are not recorded here.", kind="not_allowed", status=403)
    on = session.status == VideoSession.Status.IN_CALL
    just_ended = (session.status == VideoSession.Status.ENDED and session.ended_at is not None
                  and now - session.ended_at <= recording_grace())
    if not (on or just_ended):
        raise RecordingRefused("The call has ended: nothing more is recorded.", kind="closed",
                               status=403)


def _chunk_repeat(recording: CallRecording, upload: ChunkUpload, digest: str,
                  last: RecordingChunk | None) -> RecordingChunk | None:
    """The stored chunk when this is a retry of it; a refusal when it is out of order."""
    expected = last.seq + 1 if last else 0
    if upload.seq == expected:
        return None
    if upload.seq < expected:
        stored = RecordingChunk.objects.get(recording=recording, track=upload.track,
                                            seq=upload.seq)
        if stored.sha256 == digest:
            return stored
        raise RecordingRefused(f"Chunk {upload.seq} is already stored with other content.",
                               kind="chunk_conflict", status=409)
    raise RecordingRefused(f"Chunk {expected} must come first.", kind="out_of_order",
                           status=409)


# Verifying.

@dataclass(frozen=True)
class RecordingProblem:
    track: str
    seq: int | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.track} chunk {self.seq}" if self.seq is not None else self.track
        return f"{where}: {self.reason}"


@dataclass
class RecordingCheck:
    recording: CallRecording
    chunks: dict[str, int] = field(default_factory=dict)
    problems: list[RecordingProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def recording_verify(recording: CallRecording) -> RecordingCheck:
    """Check the chunks against the incident log, side by side: the log's entries must chain
    (each carries the previous chunk's hash) and every stored chunk must be the one the log
    names at its place. Names the first place each side's chain breaks, and why."""
    check = RecordingCheck(recording=recording)
    with transaction.atomic():
        # Chunks still arriving (the last of a call just ended) wait on this lock, so the log,
        # its head and the chunks are read as of one moment.
        incident = Incident.objects.select_for_update().get(pk=recording.incident_id)
        recording.refresh_from_db(fields=["deleted_at"])
        log_problem = log_verify(incident)
        if log_problem is not None:
            check.problems.append(RecordingProblem("incident log", None, str(log_problem)))
        entries = _chunk_entries(recording)
        for track in TRACKS:
            logged = [e for e in entries if e["track"] == track]
            check.chunks[track] = len(logged)
            problem = _log_chain_problem(track, logged) or (
                None if recording.deleted_at
                else _stored_chunks_problem(recording, track, logged))
            if problem is not None:
                check.problems.append(problem)
    return check


def _chunk_entries(recording: CallRecording) -> list[dict[str, Any]]:
    return [entry.data for entry in LogEntry.objects.filter(
        incident_id=recording.incident_id, kind=CHUNK_KIND,
        data__recording_id=recording.pk).order_by("seq")]


def _log_chain_problem(track: str, logged: list[dict[str, Any]]) -> RecordingProblem | None:
    prev = GENESIS
    for expected_seq, entry in enumerate(logged):
        if entry["seq"] != expected_seq:
            return RecordingProblem(track, expected_seq, "has no entry in the incident log")
        if entry["prev_sha256"] != prev:
            return RecordingProblem(track, expected_seq, "does not follow the chunk before it "
                                    "in the incident log")
        prev = entry["sha256"]
    return None


def _stored_chunks_problem(recording: CallRecording, track: str,
                           logged: list[dict[str, Any]]) -> RecordingProblem | None:
    rows = {c.seq: c for c in RecordingChunk.objects.filter(recording=recording, track=track)}
    logged_hashes = {entry["sha256"]: entry["seq"] for entry in logged}
    for entry in logged:
        seq, row = entry["seq"], rows.pop(entry["seq"], None)
        if row is None:
            return RecordingProblem(track, seq, "is missing (deleted)")
        actual = hashlib.sha256(bytes(row.data)).hexdigest()
        if actual != entry["sha256"]:
            other = logged_hashes.get(actual)
            if other is not None:
                return RecordingProblem(track, seq, f"holds chunk {other}'s content: the "
                                        "chunks were reordered")
            return RecordingProblem(track, seq, "was altered: its content does not match the "
                                    "SHA-256 in the incident log")
        if row.sha256 != entry["sha256"] or row.prev_sha256 != entry["prev_sha256"]:
            return RecordingProblem(track, seq, "was altered: its stored hashes do not match "
                                    "the incident log")
    if rows:
        return RecordingProblem(track, min(rows), "is not in the incident log (added)")
    return None


# Playing back.

def recording_read(*, session_id: int, actor: StaffUser) -> CallRecording | None:
    """The call's recording for playback, the look in the access log; None if there is none.
    RVR officers see only their own call's, while they hold it (the call and its follow-up);
    supervisors and professional standards any, with a reason (ReasonNeeded) if they have none.
    Coordinators never reach here (the view's roles)."""
    with transaction.atomic():
        recording = (CallRecording.objects.select_related("session", "incident")
                     .filter(session_id=session_id, consent=True).first())
        if recording is None:
            return None
        person_id = recording.incident.person_id
        if actor.role == Role.RVR_OFFICER and not _holds_call(actor, recording.session):
            raise RecordingRefused("Only the officer who took this call can play it back, and "
                                   "only while they hold it.", kind="not_officer", status=403)
        what = f"recording of video call {session_id}"
        if person_id is None:
            access_record(actor=actor, action=AccessEvent.Action.VIEW, what=what,
                          why="working an incident")
        else:
            look_record(actor=actor, person_id=person_id, what=what)
        return recording


def _holds_call(officer: StaffUser, session: VideoSession) -> bool:
    person_id = session.incident.person_id
    if session.officer_id != officer.pk or person_id is None:
        return False
    return assignments_current_for(officer, person_id).filter(
        kind=Assignment.Kind.VIDEO, subject=video_subject(session)).exists()


def recording_track_bytes(recording: CallRecording, track: str) -> bytes:
    """One side of the call as one WebM file: its chunks in order."""
    return b"".join(bytes(data) for data in RecordingChunk.objects.filter(
        recording=recording, track=track).order_by("seq").values_list("data", flat=True))


def recording_response(content: bytes) -> HttpResponse:
    """A side of the recording for the playback page's video element: inline only if the bytes
    are WebM, sandboxed and unsniffable like every stored file."""
    webm = content.startswith(EBML_MAGIC)
    response = HttpResponse(content, content_type="video/webm" if webm
                            else "application/octet-stream")
    response["Content-Disposition"] = ("inline" if webm else "attachment") + (
        '; filename="recording.webm"')
    for header, value in STORED_FILE_HEADERS.items():
        response[header] = value
    return response


# Retention.

def recordings_expire(*, now: datetime | None = None, batch: int = 20) -> int:
    """Delete the chunks of recordings older than the force's retention period and log each
    deletion with the hashes that remain. Two sweeps at once never take the same recording."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=recording_policy()["retention_days"])
    deleted = 0
    while True:
        with transaction.atomic():
            due = list(CallRecording.objects.select_for_update(skip_locked=True)
                       .select_related("incident")
                       .filter(deleted_at__isnull=True, consent=True, started_at__lt=cutoff)
                       .order_by("started_at")[:batch])
            for recording in due:
                _recording_delete(recording, now=now)
        deleted += len(due)
        if len(due) < batch:
            return deleted


def _recording_delete(recording: CallRecording, *, now: datetime) -> None:
    tracks = {}
    for track in TRACKS:
        chunks = list(RecordingChunk.objects.filter(recording=recording, track=track)
                      .order_by("seq").values_list("sha256", "size"))
        # Every chunk's hash stays in its own log entry; the chain's last closes it here.
        tracks[track] = {"chunks": len(chunks), "bytes": sum(size for _, size in chunks),
                         "last_sha256": chunks[-1][0] if chunks else GENESIS}
    RecordingChunk.objects.filter(recording=recording).delete()
    recording.deleted_at = now
    recording.save(update_fields=["deleted_at"])
    log_append(recording.incident, DELETED_KIND, {
        "session_id": recording.session_id, "recording_id": recording.pk,
        "retention_days": recording_policy()["retention_days"], "tracks": tracks})
