"""Recording with consent (rvr/recording.py): her answer, the chunk chain in the incident log,
verify naming a missing, altered, reordered or added chunk, refusals, playback, retention."""

from __future__ import annotations

import hashlib
import threading
from datetime import timedelta
from io import StringIO

import pytest
from asgiref.sync import async_to_sync
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from contact_hub.celery import app
from contact_hub.conversations.looks import ReasonNeeded, break_glass_open
from contact_hub.incidents.log import log_verify
from contact_hub.incidents.models import Incident
from contact_hub.staff.models import AccessEvent, Role
from rvr.calls import video_call_end
from rvr.models import CallRecording, RecordingChunk, VideoSession
from rvr.recording import (
    EBML_MAGIC,
    GENESIS,
    QUESTION,
    ByteRange,
    RecordingRefused,
    byte_range_parse,
    chunk_upload_parse,
    recording_chunk_store,
    recording_consent_record,
    recording_deleted,
    recording_question,
    recording_read,
    recording_segment_response,
    recording_segments,
    recording_started,
    recording_stop,
    recording_stopped,
    recording_track_bytes,
    recording_verify,
    recordings_expire,
    recordings_logged,
)
from rvr.signalling import SignalRefused, signal_parse
from rvr.tasks import rvr_recordings_sweep
from tests.factories import StaffFactory
from tests.rvr.conftest import log_kinds
from tests.rvr.recording_chunks import chunk_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def recording_allowed(settings):
    settings.HUB_RECORDING = {"allowed": True, "retention_days": 30, "chunk_seconds": 5}


@pytest.fixture
def agreed(in_call_session) -> VideoSession:
    recording_consent_record(session_id=in_call_session.pk, agreed=True)
    return in_call_session


@pytest.fixture
def recorded(agreed, officer) -> CallRecording:
    """Three chunks of the victim's side and two of the officer's, stored as the call went."""
    for seq in range(3):
        recording_chunk_store(session=agreed, officer=officer, upload=upload("victim", seq))
    for seq in range(2):
        recording_chunk_store(session=agreed, officer=officer, upload=upload("officer", seq))
    return CallRecording.objects.select_related("incident").get(session=agreed)


def problems(recording: CallRecording) -> list[str]:
    return [str(p) for p in recording_verify(recording).problems]


# Asking and her answer.

def test_the_victim_is_asked_where_the_force_records_and_she_has_not_answered(in_call_session):
    assert recording_question(session_id=in_call_session.pk) == {
        "type": "recording.ask", "question": QUESTION}


def test_nobody_is_asked_where_the_force_does_not_record(in_call_session, settings):
    settings.HUB_RECORDING = {**settings.HUB_RECORDING, "allowed": False}

    assert recording_question(session_id=in_call_session.pk)["state"] == "not_allowed"
    with pytest.raises(RecordingRefused) as refused:
        recording_consent_record(session_id=in_call_session.pk, agreed=True)
    assert refused.value.kind == "not_allowed"
    assert not CallRecording.objects.exists()


def test_her_yes_is_in_the_incident_log(in_call_session):
    recording_consent_record(session_id=in_call_session.pk, agreed=True)

    entry = in_call_session.incident.log.get(kind="recording.consent")
    assert entry.data["agreed"] is True and entry.data["session_id"] == in_call_session.pk
    assert recording_question(session_id=in_call_session.pk) == {
        "type": "recording.consent", "agreed": True}


def test_her_no_is_logged_and_means_no_chunk_is_kept(in_call_session, officer):
    recording_consent_record(session_id=in_call_session.pk, agreed=False)

    with pytest.raises(RecordingRefused) as refused:
        recording_chunk_store(session=in_call_session, officer=officer,
                              upload=upload("victim", 0))
    assert refused.value.kind == "no_consent" and refused.value.status == 403
    assert not RecordingChunk.objects.exists()
    assert in_call_session.incident.log.get(kind="recording.consent").data["agreed"] is False


def test_she_answers_once(agreed):
    with pytest.raises(RecordingRefused) as refused:
        recording_consent_record(session_id=agreed.pk, agreed=False)

    assert refused.value.kind == "answered"
    assert CallRecording.objects.get().consent is True


def test_she_cannot_be_asked_once_the_call_is_over(in_call_session):
    video_call_end(session_id=in_call_session.pk, by="victim")

    with pytest.raises(RecordingRefused) as refused:
        recording_consent_record(session_id=in_call_session.pk, agreed=True)
    assert refused.value.kind == "closed"


# The chain.

def test_each_chunk_is_in_the_log_with_its_hash_and_the_one_before(recorded):
    entries = [e.data for e in recorded.incident.log.filter(kind="recording.chunk_stored")
               .order_by("seq")]
    victim = [e for e in entries if e["track"] == "victim"]

    assert [e["seq"] for e in victim] == [0, 1, 2]
    assert victim[0]["prev_sha256"] == GENESIS
    assert victim[1]["prev_sha256"] == victim[0]["sha256"]
    assert victim[2]["sha256"] == hashlib.sha256(chunk_bytes("victim", 2)).hexdigest()
    assert recorded.started_at is not None
    assert recording_verify(recorded).ok
    assert recording_verify(recorded).chunks == {"victim": 3, "officer": 2}
    assert log_verify(recorded.incident) is None


def test_the_indicator_comes_on_only_once_a_chunk_is_stored(agreed, officer):
    assert not recording_started(session_id=agreed.pk)

    recording_chunk_store(session=agreed, officer=officer, upload=upload("officer", 0))
    assert recording_started(session_id=agreed.pk)


def test_a_side_plays_back_as_its_chunks_in_order(recorded):
    assert recording_track_bytes(recorded, "victim") == b"".join(
        chunk_bytes("victim", seq) for seq in range(3))


def test_a_chunk_sent_again_is_the_same_chunk(recorded, officer):
    again = recording_chunk_store(session=recorded.session, officer=officer,
                                  upload=upload("victim", 1))

    assert again.seq == 1
    assert RecordingChunk.objects.filter(track="victim").count() == 3
    assert recording_verify(recorded).ok


def test_a_chunk_sent_again_with_other_content_is_refused(recorded, officer):
    with pytest.raises(RecordingRefused) as refused:
        recording_chunk_store(session=recorded.session, officer=officer,
                              upload=upload("victim", 1, b"something else"))
    assert refused.value.kind == "chunk_conflict"


def test_a_chunk_out_of_order_is_refused(recorded, officer):
    with pytest.raises(RecordingRefused) as refused:
        recording_chunk_store(session=recorded.session, officer=officer,
                              upload=upload("victim", 5))
    assert refused.value.kind == "out_of_order"
    assert RecordingChunk.objects.filter(track="victim").count() == 3


# Verify names where the chain breaks.

def test_verify_names_a_missing_chunk(recorded):
    RecordingChunk.objects.filter(track="victim", seq=1).delete()

    assert problems(recorded) == ["victim chunk 1: is missing (deleted)"]


def test_verify_names_an_altered_chunk(recorded):
    RecordingChunk.objects.filter(track="officer", seq=1).update(data=b"edited video")

    assert problems(recorded) == [
        "officer chunk 1: was altered: its content does not match the SHA-256 in the "
        "incident log"]


def test_verify_names_an_altered_chunk_whose_hash_was_recomputed(recorded):
    data = b"edited video"
    RecordingChunk.objects.filter(track="victim", seq=2).update(
        data=data, sha256=hashlib.sha256(data).hexdigest())

    assert problems(recorded)[0].startswith("victim chunk 2: was altered")


def test_verify_names_reordered_chunks(recorded):
    first, second = (RecordingChunk.objects.get(track="victim", seq=seq) for seq in (1, 2))
    RecordingChunk.objects.filter(pk=first.pk).update(data=bytes(second.data))
    RecordingChunk.objects.filter(pk=second.pk).update(data=bytes(first.data))

    assert problems(recorded) == [
        "victim chunk 1: holds chunk 2's content: the chunks were reordered"]


def test_verify_names_a_chunk_added_behind_the_logs_back(recorded):
    last = RecordingChunk.objects.get(track="victim", seq=2)
    data = b"spliced in"
    RecordingChunk.objects.create(recording=recorded, track="victim", seq=3, data=data,
                                  content_type="video/webm",
                                  sha256=hashlib.sha256(data).hexdigest(),
                                  prev_sha256=last.sha256, size=len(data),
                                  received_at=timezone.now())

    assert problems(recorded) == ["victim chunk 3: is not in the incident log (added)"]


def test_the_verify_command_says_ok_and_names_a_tampered_chunk(recorded):
    out = StringIO()
    call_command("rvr_recording_verify", stdout=out)
    assert out.getvalue().strip() == "OK: 1 recording(s) verified"

    RecordingChunk.objects.filter(track="victim", seq=0).update(data=EBML_MAGIC + b"x")
    err = StringIO()
    with pytest.raises(CommandError, match="1 of 1 recording"):
        call_command("rvr_recording_verify", str(recorded.session_id), stderr=err)
    assert f"video session {recorded.session_id}: victim chunk 0: was altered" in err.getvalue()


def test_verify_goes_by_the_log_her_yes_cannot_be_flipped_on_the_row(recorded):
    CallRecording.objects.filter(pk=recorded.pk).update(consent=False)

    assert problems(recorded) == [
        "recording: its row says she said no, but the incident log has her yes"]
    assert recorded.session_id in recordings_logged()


def test_verify_names_a_row_marked_deleted_with_no_deletion_in_the_log(recorded):
    RecordingChunk.objects.filter(track="victim", seq=1).update(data=b"forged evidence")
    CallRecording.objects.filter(pk=recorded.pk).update(deleted_at=timezone.now())

    assert problems(recorded) == [
        "recording: its row is marked deleted, but the incident log has no deletion",
        "victim chunk 1: was altered: its content does not match the SHA-256 in the "
        "incident log"]
    assert recording_deleted(CallRecording.objects.get(pk=recorded.pk))


@pytest.mark.django_db(transaction=True)
def test_verify_is_not_held_up_by_a_chunk_being_stored(recorded):
    """A chunk being stored holds the incident (its log entry); the page's verify reads a
    snapshot beside it instead of waiting (lock_timeout only turns a wait into an error)."""
    storing, stored = threading.Event(), threading.Event()

    def store_holding_the_incident() -> None:
        with transaction.atomic():
            Incident.objects.select_for_update().get(pk=recorded.incident_id)
            storing.set()
            stored.wait(30)
        connection.close()

    thread = threading.Thread(target=store_holding_the_incident)
    thread.start()
    storing.wait(30)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '5s'")
        check = recording_verify(recorded)
    finally:
        stored.set()
        thread.join()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    assert check.ok and check.chunks == {"victim": 3, "officer": 2}


# A new recorder after a reconnect, and the console stopping.

def test_a_new_recorder_after_a_reconnect_starts_a_new_part(recorded, officer):
    restarted = EBML_MAGIC + b"victim again " * 20
    recording_chunk_store(session=recorded.session, officer=officer,
                          upload=upload("victim", 3, restarted))
    recording_chunk_store(session=recorded.session, officer=officer,
                          upload=upload("victim", 4))

    assert recording_segments(recorded) == {"victim": [range(0, 3), range(3, 5)],
                                            "officer": [range(0, 2)]}
    assert recording_track_bytes(recorded, "victim", 1) == restarted + chunk_bytes("victim", 4)
    assert recording_track_bytes(recorded, "victim", 0) == b"".join(
        chunk_bytes("victim", seq) for seq in range(3))
    entry = recorded.incident.log.filter(kind="recording.chunk_stored").latest("seq")
    assert entry.data["starts_segment"] is False
    assert recording_verify(recorded).ok


def test_the_console_stopping_is_logged_and_nothing_more_is_taken(recorded, officer):
    held = recording_stop(session=recorded.session, officer=officer, reason="upload_failed")

    assert held == {"victim": 3, "officer": 2}
    entry = recorded.incident.log.get(kind="recording.stopped")
    assert entry.data["reason"] == "upload_failed" and entry.data["chunks"] == held
    assert recording_stopped(session_id=recorded.session_id)
    assert not recording_started(session_id=recorded.session_id)
    with pytest.raises(RecordingRefused) as refused:
        recording_chunk_store(session=recorded.session, officer=officer,
                              upload=upload("victim", 3))
    assert refused.value.kind == "stopped"
    recording_stop(session=recorded.session, officer=officer, reason="refused")
    assert log_kinds(recorded.incident).count("recording.stopped") == 1
    assert recording_verify(recorded).ok


def test_only_the_calls_officer_stops_it_and_says_why(recorded):
    other = StaffFactory(username="otto", role=Role.RVR_OFFICER)

    with pytest.raises(RecordingRefused) as refused:
        recording_stop(session=recorded.session, officer=other, reason="refused")
    assert refused.value.kind == "not_officer"
    with pytest.raises(RecordingRefused) as refused:
        recording_stop(session=recorded.session, officer=recorded.session.officer,
                       reason="because")
    assert refused.value.kind == "malformed"
    assert not recorded.incident.log.filter(kind="recording.stopped").exists()


# Playback by range.

@pytest.mark.parametrize("header, total, wanted", [
    ("", 100, None),
    ("bytes=0-", 100, ByteRange(0, 99)),
    ("bytes=10-19", 100, ByteRange(10, 19)),
    ("bytes=90-500", 100, ByteRange(90, 99)),
    ("bytes=-30", 100, ByteRange(70, 99)),
])
def test_a_range_is_read_as_players_ask(header, total, wanted):
    assert byte_range_parse(header, total) == wanted


@pytest.mark.parametrize("header", ["bytes=100-", "bytes=5-2", "bytes=-0", "bytes=-",
                                    "bytes=0-1,5-6", "lines=0-1", "bytes=x-"])
def test_a_range_that_cannot_be_served_is_refused(header):
    with pytest.raises(RecordingRefused) as refused:
        byte_range_parse(header, 100)
    assert refused.value.kind == "bad_range" and refused.value.status == 416


def test_a_range_across_chunks_is_streamed_from_them(recorded):
    whole = recording_track_bytes(recorded, "victim")
    start, end = len(chunk_bytes("victim", 0)) - 5, len(whole) - 3

    response = recording_segment_response(recorded, "victim", 0, f"bytes={start}-{end}")

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {start}-{end}/{len(whole)}"
    assert response["Content-Length"] == str(end - start + 1)
    assert b"".join(response.streaming_content) == whole[start:end + 1]


def test_an_asgi_server_streams_the_part_without_reading_it_all_first(recorded):
    response = recording_segment_response(recorded, "victim", 0, "bytes=0-",
                                          asynchronous=True)

    async def received() -> list[bytes]:
        return [piece async for piece in response.streaming_content]

    assert response.is_async
    assert async_to_sync(received)() == [chunk_bytes("victim", seq) for seq in range(3)]


def test_a_part_that_is_not_there_is_refused(recorded):
    with pytest.raises(RecordingRefused) as refused:
        recording_segment_response(recorded, "victim", 1, "")
    assert refused.value.kind == "no_segment" and refused.value.status == 404


def test_a_look_from_the_playback_page_is_not_recorded_twice(recorded, supervisor):
    recording_read(session_id=recorded.session_id, actor=supervisor)
    recording_read(session_id=recorded.session_id, actor=supervisor, looked=True)

    assert AccessEvent.objects.filter(actor=supervisor).count() == 1


def test_a_players_request_still_needs_a_reason(recorded, standards):
    with pytest.raises(ReasonNeeded):
        recording_read(session_id=recorded.session_id, actor=standards, looked=True)


# Refusals.

def test_only_the_calls_officer_records_it(agreed):
    other = StaffFactory(username="otto", role=Role.RVR_OFFICER)

    with pytest.raises(RecordingRefused) as refused:
        recording_chunk_store(session=agreed, officer=other, upload=upload("victim", 0))
    assert refused.value.kind == "not_officer"
    assert not RecordingChunk.objects.exists()


def test_the_last_chunks_are_taken_just_after_the_call_ends(agreed, officer):
    video_call_end(session_id=agreed.pk, by="victim")

    chunk = recording_chunk_store(session=agreed, officer=officer, upload=upload("victim", 0))
    assert chunk.seq == 0


def test_nothing_is_taken_once_the_call_has_been_over_a_while(agreed, officer):
    video_call_end(session_id=agreed.pk, by="victim")
    later = timezone.now() + timedelta(minutes=5)

    with pytest.raises(RecordingRefused) as refused:
        recording_chunk_store(session=agreed, officer=officer, upload=upload("victim", 0),
                              now=later)
    assert refused.value.kind == "closed"
    assert not RecordingChunk.objects.exists()


def test_an_oversized_chunk_is_refused(settings):
    settings.RVR_RECORDING_CHUNK_MAX_BYTES = 100

    with pytest.raises(RecordingRefused) as refused:
        chunk_upload_parse(track="victim", seq="0", data=EBML_MAGIC + b"x" * 200,
                           content_type="video/webm")
    assert refused.value.kind == "oversized" and refused.value.status == 413


@pytest.mark.parametrize("track, seq, data, content_type, kind", [
    ("victim", "0", b"<html>", "video/webm", "bad_type"),
    ("victim", "0", EBML_MAGIC, "text/html", "bad_type"),
    ("nobody", "0", EBML_MAGIC, "video/webm", "malformed"),
    ("victim", "-1", EBML_MAGIC, "video/webm", "malformed"),
    ("victim", "1", b"", "video/webm", "malformed"),
])
def test_a_malformed_upload_is_refused(track, seq, data, content_type, kind):
    with pytest.raises(RecordingRefused) as refused:
        chunk_upload_parse(track=track, seq=seq, data=data, content_type=content_type)
    assert refused.value.kind == kind


def test_a_webm_upload_with_codecs_is_taken():
    parsed = chunk_upload_parse(track="officer", seq="0", data=EBML_MAGIC + b"x",
                                content_type="video/webm;codecs=vp8,opus")
    assert parsed.content_type == "video/webm" and parsed.seq == 0


# Playback.

def test_the_calls_officer_plays_it_back_while_holding_the_call(recorded, officer):
    assert recording_read(session_id=recorded.session_id, actor=officer) == recorded

    event = AccessEvent.objects.filter(actor=officer).latest("pk")
    assert event.what == f"recording of video call {recorded.session_id}"


def test_another_officer_cannot_play_it_back(recorded):
    other = StaffFactory(username="otto", role=Role.RVR_OFFICER)

    with pytest.raises(RecordingRefused) as refused:
        recording_read(session_id=recorded.session_id, actor=other)
    assert refused.value.kind == "not_officer"


def test_a_supervisor_plays_it_back_and_the_look_is_logged(recorded, supervisor):
    assert recording_read(session_id=recorded.session_id, actor=supervisor) == recorded

    event = AccessEvent.objects.filter(actor=supervisor).latest("pk")
    assert event.what == f"recording of video call {recorded.session_id}"


def test_professional_standards_with_no_reason_are_asked_for_one_and_the_look_is_flagged(
        recorded, standards):
    person_id = recorded.incident.person_id
    with pytest.raises(ReasonNeeded):
        recording_read(session_id=recorded.session_id, actor=standards)

    break_glass_open(actor=standards, person_id=person_id,
                     reason="reviewing the recording for a complaint", what="person")
    assert recording_read(session_id=recorded.session_id, actor=standards) == recorded
    assert AccessEvent.objects.filter(actor=standards).latest("pk").flagged


def test_a_declined_call_has_nothing_to_play(in_call_session, officer):
    recording_consent_record(session_id=in_call_session.pk, agreed=False)

    assert recording_read(session_id=in_call_session.pk, actor=officer) is None


# Retention.

def test_the_sweep_deletes_recordings_past_retention_and_logs_it(recorded):
    CallRecording.objects.filter(pk=recorded.pk).update(
        started_at=timezone.now() - timedelta(days=31))
    victim_last = RecordingChunk.objects.get(track="victim", seq=2).sha256

    assert recordings_expire() == 1

    recorded.refresh_from_db()
    assert recorded.deleted_at is not None
    assert not RecordingChunk.objects.exists()
    entry = recorded.incident.log.get(kind="recording.deleted")
    assert entry.data["tracks"]["victim"]["chunks"] == 3
    assert entry.data["tracks"]["victim"]["last_sha256"] == victim_last
    assert entry.data["retention_days"] == 30
    assert log_kinds(recorded.incident).count("recording.chunk_stored") == 5
    assert recording_verify(recorded).ok  # the hashes are all still in the log
    assert recording_verify(recorded).deleted and recording_deleted(recorded)
    assert recordings_expire() == 0


def test_the_sweep_keeps_recordings_within_retention(recorded):
    assert rvr_recordings_sweep() == 0
    assert RecordingChunk.objects.count() == 5


def test_the_recordings_sweep_is_on_the_beat_schedule():
    assert app.conf.beat_schedule["rvr-recordings-sweep"]["task"] == "rvr.recordings_sweep"


# The socket's messages for it (rvr/signalling.py).

def test_only_the_console_asks_and_only_the_victim_answers():
    assert signal_parse('{"type": "recording.ask"}', side="officer") == {"type": "recording.ask"}
    assert signal_parse('{"type": "recording.consent", "agreed": false}', side="victim") == {
        "type": "recording.consent", "agreed": False}
    assert signal_parse('{"type": "recording.started"}', side="officer") == {
        "type": "recording.started"}
    for raw, side in (('{"type": "recording.ask"}', "victim"),
                      ('{"type": "recording.started"}', "victim"),
                      ('{"type": "recording.consent", "agreed": true}', "officer")):
        with pytest.raises(SignalRefused) as refused:
            signal_parse(raw, side=side)
        assert refused.value.kind == "not_allowed"


@pytest.mark.parametrize("raw", ['{"type": "recording.consent", "agreed": "yes"}',
                                 '{"type": "recording.consent"}',
                                 '{"type": "recording.consent", "agreed": true, "x": 1}'])
def test_a_malformed_answer_is_refused(raw):
    with pytest.raises(SignalRefused):
        signal_parse(raw, side="victim")
