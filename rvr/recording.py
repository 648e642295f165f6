"""Recording a video call, where the force allows it and the victim agrees.

At the start of the call the officer's console asks (`recording_question`), her page asks her,
and her answer is logged (`recording_consent_record`); no means nothing is recorded. With a yes
the console records both sides with the browser's MediaRecorder (media never passes through the
hub) and uploads short chunks as the call goes (`recording_chunk_store`). Each side's chunks
form a chain: every chunk's log entry carries its SHA-256 and the one before it, in the same
transaction as the chunk's row, so `recording_verify` (and `manage.py rvr_recording_verify`)
names a chunk that is missing, altered, reordered or added. The log, not the rows, says what
must be verified (her yes, the chunks, a deletion closing each chain), so a row changed or
removed cannot make a recording pass or vanish. A new recorder (after she reconnects) starts a
new part, its own WebM file. A chunk the console cannot get stored ends the recording: the stop
is logged and both pages turn "recording" off (`recording_stop`). Playback is for the call's
officer while they hold the call, and for supervisors and professional standards, one look in
the access log per playback page (`recording_read`), streamed by range a chunk at a time. The
retention sweep (`recordings_expire`) deletes chunks past the force's retention period and logs
the deletion, the hashes kept in the log; a deleted recording is never played back.

Chunks are kept in the database (like evidence stills) so a chunk and its log entry commit
together or not at all; a call of an hour at 1 Mbit/s is about 450 MB per side, which
PostgreSQL keeps out of line (TOAST). At this product's scale of a few recorded calls a day
kept for 90 days that is fine; a force recording far more would move the bytes to object
storage with the same chain.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

from contact_hub.conversations.looks import look_reason_required, look_record
from contact_hub.conversations.stored_files import STORED_FILE_HEADERS
from contact_hub.incidents.log import log_append, log_verify
from contact_hub.incidents.models import Incident, LogEntry
from contact_hub.live import LiveEvent
from contact_hub.staff.assignments import assignments_current_for
from contact_hub.staff.audit import access_record
from contact_hub.staff.models import AccessEvent, Assignment, Role, StaffUser
from rvr.eligibility import RvrRefused
from rvr.live import session_tell
from rvr.locks import video_session_locked
from rvr.look_reasons import video_subject
from rvr.models import CallRecording, RecordingChunk, VideoSession
from rvr.visibility import call_records_visible_to

TRACKS = ("victim", "officer")
GENESIS = "0" * 64
# What MediaRecorder makes in the browsers officers use; the first chunk of a side carries the
# WebM (EBML) header, the rest are clusters that follow it.
CHUNK_TYPES = ("video/webm", "audio/webm")
EBML_MAGIC = b"\x1a\x45\xdf\xa3"
CHUNK_KIND = "recording.chunk_stored"
CONSENT_KIND = "recording.consent"
DELETED_KIND = "recording.deleted"
STOPPED_KIND = "recording.stopped"
RECORDING_KINDS = (CONSENT_KIND, CHUNK_KIND, STOPPED_KIND, DELETED_KIND)
# Why the console stopped recording before the call ended: a chunk it could not get stored
# (the chain cannot skip it), or the hub refusing one.
STOP_REASONS = ("upload_failed", "refused")
BYTE_RANGE = re.compile(r"bytes=(?P<first>\d*)-(?P<last>\d*)")
# A playback page's look covers the range requests its players make for this long.
PAGE_LOOK_COVERS = timedelta(hours=2)
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
    """Whether the hub holds a chunk of this call and it has not stopped (its "recording"
    indicator is on)."""
    return CallRecording.objects.filter(session_id=session_id, consent=True,
                                        started_at__isnull=False,
                                        deleted_at__isnull=True).exists() and not (
        _logged(STOPPED_KIND, session_id).exists())


def recording_stopped(*, session_id: int) -> bool:
    """Whether the console stopped this call's recording before the call ended."""
    return _logged(STOPPED_KIND, session_id).exists()


def _logged(kind: str, session_id: int) -> QuerySet[LogEntry]:
    return LogEntry.objects.filter(kind=kind, data__session_id=session_id)


def recording_consent_record(*, session_id: int, agreed: bool,
                             now: datetime | None = None) -> CallRecording:
    """The victim's answer, in the incident log. She answers once; no means no recording."""
    if not recording_policy()["allowed"]:
        raise RecordingRefused("Calls are not recorded here.", kind="not_allowed", status=403)
    now = now or timezone.now()
    with transaction.atomic():
        session = video_session_locked(session_id)
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

    @property
    def starts_segment(self) -> bool:
        """A new recorder (the victim reconnected, the console reopened) starts its own WebM
        file: from here playback is a new part, since a header mid-file would not play."""
        return self.data.startswith(EBML_MAGIC)


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
        session = video_session_locked(session.pk)
        _may_record(session, officer, now)
        recording = _recording_on(session)
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
            "bytes": chunk.size, "starts_segment": upload.starts_segment}, actor=officer)
        if recording.started_at is None:
            recording.started_at = now
            recording.save(update_fields=["started_at"])
            # Both pages show "recording" from the first stored chunk: the hub says so, not
            # the console.
            session_tell(session, LiveEvent.VIDEO_RECORDING)
    return chunk


def recording_stop(*, session: VideoSession, officer: StaffUser, reason: str,
                   now: datetime | None = None) -> dict[str, int]:
    """The console could not keep the recording going: the stop is in the incident log with
    how many chunks each side holds, and both pages turn "recording" off. Nothing more is
    taken for this call. Saying it again is harmless (a retry); returns the chunks held."""
    now = now or timezone.now()
    with transaction.atomic():
        session = video_session_locked(session.pk)
        _may_record(session, officer, now)
        if reason not in STOP_REASONS:
            raise RecordingRefused("Say why the recording stopped.", kind="malformed")
        recording = CallRecording.objects.select_for_update().filter(session=session).first()
        if recording is None or not recording.consent:
            raise RecordingRefused("The victim has not agreed to this call being recorded.",
                                   kind="no_consent", status=403)
        held = {track: RecordingChunk.objects.filter(recording=recording, track=track).count()
                for track in TRACKS}
        if _logged(STOPPED_KIND, session.pk).exists():
            return held
        log_append(session.incident, STOPPED_KIND, {
            "session_id": session.pk, "recording_id": recording.pk, "reason": reason,
            "chunks": held}, actor=officer)
        session_tell(session, LiveEvent.VIDEO_RECORDING_STOPPED)
    return held


def _recording_on(session: VideoSession) -> CallRecording:
    """The recording chunks are added to, locked; a refusal if there is none to add to."""
    recording = CallRecording.objects.select_for_update().filter(session=session).first()
    if recording is None or not recording.consent or recording.deleted_at is not None:
        raise RecordingRefused("The victim has not agreed to this call being recorded.",
                               kind="no_consent", status=403)
    if _logged(STOPPED_KIND, session.pk).exists():
        raise RecordingRefused("The recording of this call has stopped.", kind="stopped",
                               status=403)
    return recording


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
    session_id: int
    recording: CallRecording | None
    chunks: dict[str, int] = field(default_factory=dict)
    problems: list[RecordingProblem] = field(default_factory=list)
    # The incident log holds the recording's deletion at the end of retention.
    deleted: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


def recording_verify(recording: CallRecording) -> RecordingCheck:
    """Check a recording against the incident log (recording_session_verify)."""
    return recording_session_verify(recording.session_id)


def recording_session_verify(session_id: int) -> RecordingCheck:
    """Check a call's recording against the incident log, which says what there must be: her
    answer, each side's chain of chunks (each entry carries the previous chunk's hash) and,
    once retention ends, the deletion closing each chain. The rows must agree with it: her
    answer, every stored chunk the one the log names at its place, none left after a deletion.
    Names the first place each side's chain breaks, and why. Reads one consistent snapshot
    and locks nothing, so chunks still arriving are not held up."""
    with _snapshot():
        recording = CallRecording.objects.filter(session_id=session_id).first()
        entries = list(LogEntry.objects.filter(kind__in=RECORDING_KINDS,
                                               data__session_id=session_id)
                       .order_by("incident_id", "seq"))
        check = RecordingCheck(session_id=session_id, recording=recording)
        incident_ids = {e.incident_id for e in entries} | (
            {recording.incident_id} if recording else set())
        for incident in Incident.objects.filter(pk__in=incident_ids).order_by("pk"):
            log_problem = log_verify(incident)
            if log_problem is not None:
                check.problems.append(RecordingProblem("incident log", None, str(log_problem)))
        deletion = next((e.data for e in entries if e.kind == DELETED_KIND), None)
        check.deleted = deletion is not None
        check.problems += _row_problems(recording, entries, deletion)
        for track in TRACKS:
            logged = [e.data for e in entries if e.kind == CHUNK_KIND and e.data["track"] == track]
            check.chunks[track] = len(logged)
            problem = _log_chain_problem(track, logged) or (
                _deletion_problem(recording, track, logged, deletion) if deletion
                else _stored_chunks_problem(recording, track, logged))
            if problem is not None:
                check.problems.append(problem)
    return check


def recordings_logged() -> list[int]:
    """Every video session with a recording to verify: her yes or a chunk in an incident log,
    or a row that says she agreed. The log decides, so a row changed or removed cannot take a
    recording out of the check."""
    logged = LogEntry.objects.filter(kind__in=(CHUNK_KIND, DELETED_KIND, STOPPED_KIND))
    agreed = LogEntry.objects.filter(kind=CONSENT_KIND, data__agreed=True)
    sessions = {int(pk) for pk in (*logged.values_list("data__session_id", flat=True),
                                   *agreed.values_list("data__session_id", flat=True))}
    sessions |= set(CallRecording.objects.filter(consent=True)
                    .values_list("session_id", flat=True))
    return sorted(sessions)


@contextmanager
def _snapshot() -> Iterator[None]:
    """A read-only transaction that sees one moment throughout (repeatable read), without
    locking anything; inside a caller's transaction, that transaction's view."""
    connection = transaction.get_connection()
    outer = connection.in_atomic_block
    with transaction.atomic():
        if not outer and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _row_problems(recording: CallRecording | None, entries: list[LogEntry],
                  deletion: dict[str, Any] | None) -> list[RecordingProblem]:
    """Where the recording's row disagrees with the log: her answer, or its deletion."""
    answers = [e.data["agreed"] for e in entries if e.kind == CONSENT_KIND]
    logged_yes = any(answers)
    problems = []
    if len(answers) > 1:
        problems.append(RecordingProblem("recording", None, "her answer is in the incident log "
                                         "more than once"))
    if recording is None:
        if logged_yes:
            problems.append(RecordingProblem("recording", None, "its row is missing, but the "
                                             "incident log has her yes"))
        return problems
    if not answers:
        problems.append(RecordingProblem("recording", None, "its row has no answer of hers in "
                                         "the incident log"))
    elif recording.consent != logged_yes:
        problems.append(RecordingProblem("recording", None, (
            f"its row says she said {_yes_no(recording.consent)}, but the incident log has "
            f"her {_yes_no(logged_yes)}")))
    if recording.deleted_at is not None and deletion is None:
        problems.append(RecordingProblem("recording", None, "its row is marked deleted, but "
                                         "the incident log has no deletion"))
    if recording.deleted_at is None and deletion is not None:
        problems.append(RecordingProblem("recording", None, "the incident log has its "
                                         "deletion, but its row is not marked deleted"))
    return problems


def _yes_no(agreed: bool) -> str:
    return "yes" if agreed else "no"


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


def _deletion_problem(recording: CallRecording | None, track: str,
                      logged: list[dict[str, Any]],
                      deletion: dict[str, Any]) -> RecordingProblem | None:
    """A deleted recording: its deletion must close the side's chain as the log has it (the
    count and the last hash), and no chunk may be left behind it."""
    closed = deletion.get("tracks", {}).get(track, {})
    last = logged[-1]["sha256"] if logged else GENESIS
    if closed.get("chunks") != len(logged) or closed.get("last_sha256") != last:
        return RecordingProblem(track, None, "its deletion in the incident log does not close "
                                "the chain of chunks the log holds")
    left = (RecordingChunk.objects.filter(recording=recording, track=track).order_by("seq")
            .values_list("seq", flat=True).first() if recording else None)
    if left is not None:
        return RecordingProblem(track, left, "is stored after the recording's deletion")
    return None


def _stored_chunks_problem(recording: CallRecording | None, track: str,
                           logged: list[dict[str, Any]]) -> RecordingProblem | None:
    rows = _stored_hashes(recording, track)
    logged_hashes = {entry["sha256"]: entry["seq"] for entry in logged}
    for entry in logged:
        seq, row = entry["seq"], rows.pop(entry["seq"], None)
        if row is None:
            return RecordingProblem(track, seq, "is missing (deleted)")
        actual, stored, stored_prev = row
        if actual != entry["sha256"]:
            other = logged_hashes.get(actual)
            if other is not None:
                return RecordingProblem(track, seq, f"holds chunk {other}'s content: the "
                                        "chunks were reordered")
            return RecordingProblem(track, seq, "was altered: its content does not match the "
                                    "SHA-256 in the incident log")
        if stored != entry["sha256"] or stored_prev != entry["prev_sha256"]:
            return RecordingProblem(track, seq, "was altered: its stored hashes do not match "
                                    "the incident log")
    if rows:
        return RecordingProblem(track, min(rows), "is not in the incident log (added)")
    return None


def _stored_hashes(recording: CallRecording | None,
                   track: str) -> dict[int, tuple[str, str, str]]:
    """seq -> (the SHA-256 of its bytes, its stored hash, its stored previous hash), reading
    the chunks a few at a time rather than a whole side at once."""
    if recording is None:
        return {}
    rows = (RecordingChunk.objects.filter(recording=recording, track=track).order_by("seq")
            .values_list("seq", "data", "sha256", "prev_sha256").iterator(chunk_size=8))
    return {seq: (hashlib.sha256(bytes(data)).hexdigest(), sha256, prev)
            for seq, data, sha256, prev in rows}


# Playing back.

def recording_read(*, session_id: int, actor: StaffUser, looked: bool = False
                   ) -> CallRecording | None:
    """The call's recording for playback, the look in the access log; None if there is none.
    RVR officers see only their own call's, while they hold it (the call and its follow-up);
    supervisors and professional standards any, with a reason (ReasonNeeded) if they have none.
    `looked`: the reader's playback page already recorded this look, and this is one of its
    players' requests: the same checks, no second access event. Coordinators never reach
    here (the view's roles)."""
    with transaction.atomic():
        recording = (call_records_visible_to(CallRecording.objects.all(), actor)
                     .select_related("session", "incident")
                     .filter(session_id=session_id, consent=True).first())
        if recording is None:
            return None
        person_id = recording.incident.person_id
        if actor.role == Role.RVR_OFFICER and not _holds_call(actor, recording.session):
            raise RecordingRefused("Only the officer who took this call can play it back, and "
                                   "only while they hold it.", kind="not_officer", status=403)
        what = f"recording of video call {session_id}"
        if looked:
            look_reason_required(actor, person_id)
        elif person_id is None:
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


def recording_segments(recording: CallRecording) -> dict[str, list[range]]:
    """Each side's parts as the chunk numbers in each: a side starts a new part where a new
    recorder started (the victim reconnected), as the incident log says."""
    segments: dict[str, list[range]] = {track: [] for track in TRACKS}
    entries = (LogEntry.objects.filter(kind=CHUNK_KIND, data__session_id=recording.session_id,
                                       data__recording_id=recording.pk)
               .order_by("seq").values_list("data", flat=True))
    starts: dict[str, list[int]] = {track: [] for track in TRACKS}
    ends: dict[str, int] = {track: 0 for track in TRACKS}
    for entry in entries:
        track = entry["track"]
        if track not in starts:
            continue
        # Entries from before parts were logged: only a side's first chunk starts one.
        if entry.get("starts_segment", entry["seq"] == 0):
            starts[track].append(entry["seq"])
        ends[track] = max(ends[track], entry["seq"] + 1)
    for track, firsts in starts.items():
        bounds = [*firsts, ends[track]]
        segments[track] = [range(a, b) for a, b in pairwise(bounds)]
    return segments


def recording_deleted(recording: CallRecording) -> bool:
    """Deleted by its row or by the incident log: either way nothing is played back."""
    return recording.deleted_at is not None or _logged(
        DELETED_KIND, recording.session_id).exists()


def recording_track_bytes(recording: CallRecording, track: str, segment: int = 0) -> bytes:
    """One part of one side of the call as one WebM file: its chunks in order."""
    pieces = _segment_pieces(_segment_sizes(recording, track, segment), None)
    return b"".join(_pieces_stream(recording, track, pieces))


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive, as HTTP says it


def byte_range_parse(header: str, total: int) -> ByteRange | None:
    """A single `bytes=a-b`, `bytes=a-` or `bytes=-n` range of `total` bytes; None for the
    whole. Raises RecordingRefused (416) for one that cannot be served."""
    if not header:
        return None
    match = BYTE_RANGE.fullmatch(header.strip())
    refused = RecordingRefused("That range cannot be served.", kind="bad_range", status=416)
    if match is None or not (match["first"] or match["last"]):
        raise refused
    if not match["first"]:
        suffix = int(match["last"])
        if suffix == 0:
            raise refused
        return ByteRange(max(total - suffix, 0), total - 1)
    start = int(match["first"])
    end = min(int(match["last"]), total - 1) if match["last"] else total - 1
    if start >= total or end < start:
        raise refused
    return ByteRange(start, end)


def recording_segment_response(recording: CallRecording, track: str, segment: int,
                               range_header: str, *, asynchronous: bool = False
                               ) -> StreamingHttpResponse:
    """A part of a side for the playback page's video element, streamed a chunk at a time and
    by range, as players ask: inline only if the bytes are WebM, sandboxed and unsniffable
    like every stored file. `asynchronous` for a server running ASGI, which would otherwise
    read the whole part into memory before sending it. Raises RecordingRefused when there is
    no such part or range."""
    sizes = _segment_sizes(recording, track, segment)
    total = sum(size for _, size in sizes)
    wanted = byte_range_parse(range_header, total)
    first = _chunk_data(recording, track, sizes[0][0])
    webm = first.startswith(EBML_MAGIC)
    pieces = _segment_pieces(sizes, wanted)
    response = StreamingHttpResponse(
        _pieces_async(recording, track, pieces) if asynchronous
        else _pieces_stream(recording, track, pieces),
        status=206 if wanted else 200,
        content_type="video/webm" if webm else "application/octet-stream")
    response["Accept-Ranges"] = "bytes"
    response["Content-Length"] = str(wanted.end - wanted.start + 1 if wanted else total)
    if wanted:
        response["Content-Range"] = f"bytes {wanted.start}-{wanted.end}/{total}"
    response["Content-Disposition"] = ("inline" if webm else "attachment") + (
        '; filename="recording.webm"')
    for header, value in STORED_FILE_HEADERS.items():
        response[header] = value
    return response


def _segment_sizes(recording: CallRecording, track: str, segment: int) -> list[tuple[int, int]]:
    parts = recording_segments(recording)[track]
    if not 0 <= segment < len(parts):
        raise RecordingRefused("The recording has no such part.", kind="no_segment",
                               status=404)
    seqs = parts[segment]
    sizes = list(RecordingChunk.objects.filter(
        recording=recording, track=track, seq__gte=seqs.start, seq__lt=seqs.stop)
        .order_by("seq").values_list("seq", "size"))
    if not sizes:
        raise RecordingRefused("The recording has no such part.", kind="no_segment",
                               status=404)
    return sizes


def _chunk_data(recording: CallRecording, track: str, seq: int) -> bytes:
    return bytes(RecordingChunk.objects.values_list("data", flat=True).get(
        recording=recording, track=track, seq=seq))


def _segment_pieces(sizes: list[tuple[int, int]],
                    wanted: ByteRange | None) -> list[tuple[int, slice]]:
    """The chunks a part or a range of it takes, and the bytes of each."""
    pieces, offset = [], 0
    for seq, size in sizes:
        start, end = offset, offset + size - 1
        offset += size
        if wanted is None:
            pieces.append((seq, slice(None)))
        elif end >= wanted.start and start <= wanted.end:
            pieces.append((seq, slice(max(wanted.start - start, 0), wanted.end - start + 1)))
    return pieces


def _pieces_stream(recording: CallRecording, track: str,
                   pieces: list[tuple[int, slice]]) -> Iterator[bytes]:
    for seq, cut in pieces:
        yield _chunk_data(recording, track, seq)[cut]


async def _pieces_async(recording: CallRecording, track: str,
                        pieces: list[tuple[int, slice]]) -> AsyncIterator[bytes]:
    read = sync_to_async(_chunk_data)
    for seq, cut in pieces:
        yield (await read(recording, track, seq))[cut]


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
