"""The insider and the forger against call recordings: chunks are taken only from the call's
officer, with the victim's yes, during the call, within the size limit and with a CSRF token;
playback is refused to coordinators and to officers who did not take the call, and served so
that nothing in it can run. Every refusal is a clear status, stores nothing, and leaves its
security event."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from contact_hub.incidents.models import LogEntry
from contact_hub.request_limits import body_limit_for
from contact_hub.staff.models import Role, SecurityEvent
from rvr.calls import video_call_end
from rvr.models import CallRecording, RecordingChunk, VideoSession
from rvr.recording import (
    EBML_MAGIC,
    ChunkUpload,
    recording_chunk_store,
    recording_consent_record,
    recordings_expire,
)
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db
FIRST_CHUNK = EBML_MAGIC + b"\x42\x86\x81\x01" + b"\x00" * 256


@pytest.fixture(autouse=True)
def recording_allowed(settings):
    settings.HUB_RECORDING = {"allowed": True, "retention_days": 30, "chunk_seconds": 5}


def chunk_url(session: VideoSession, seq: int = 0, track: str = "victim") -> str:
    return f"/rvr/sessions/{session.pk}/recording/chunks/?track={track}&seq={seq}"


def post_chunk(client: Client, session: VideoSession, body: bytes = FIRST_CHUNK, **kwargs):
    return client.post(chunk_url(session, **kwargs), data=body, content_type="video/webm")


def refused_with(response, status: int, kind: str) -> None:
    assert response.status_code == status
    assert not RecordingChunk.objects.exists()
    assert SecurityEvent.objects.get().kind == kind


@pytest.fixture
def agreed(in_call_session) -> VideoSession:
    recording_consent_record(session_id=in_call_session.pk, agreed=True)
    return in_call_session


def test_the_calls_officer_uploads_a_chunk(agreed, officer, staff_client):
    response = post_chunk(staff_client(officer), agreed)

    assert response.status_code == 200
    assert response.json()["seq"] == 0
    assert RecordingChunk.objects.get().size == len(FIRST_CHUNK)
    assert not SecurityEvent.objects.exists()


def test_a_coordinator_cannot_upload(agreed, coordinator, staff_client):
    refused_with(post_chunk(staff_client(coordinator), agreed), 403, "wrong_role")


def test_an_officer_who_did_not_take_the_call_cannot_upload(agreed, staff_client):
    other = StaffFactory(username="otto", role=Role.RVR_OFFICER)

    refused_with(post_chunk(staff_client(other), agreed), 403, "recording_not_officer")


def test_nothing_is_taken_without_her_yes(in_call_session, officer, staff_client):
    refused_with(post_chunk(staff_client(officer), in_call_session), 403,
                 "recording_no_consent")


def test_nothing_is_taken_after_she_said_no(in_call_session, officer, staff_client):
    recording_consent_record(session_id=in_call_session.pk, agreed=False)

    refused_with(post_chunk(staff_client(officer), in_call_session), 403,
                 "recording_no_consent")


def test_nothing_is_taken_after_the_call_ended(agreed, officer, staff_client):
    video_call_end(session_id=agreed.pk, by="victim")
    VideoSession.objects.filter(pk=agreed.pk).update(
        ended_at=timezone.now() - timedelta(hours=1))

    refused_with(post_chunk(staff_client(officer), agreed), 403, "recording_closed")


def test_nothing_is_taken_where_the_force_does_not_record(agreed, officer, staff_client,
                                                          settings):
    settings.HUB_RECORDING = {**settings.HUB_RECORDING, "allowed": False}

    refused_with(post_chunk(staff_client(officer), agreed), 403, "recording_not_allowed")


def test_an_oversized_chunk_is_refused(agreed, officer, staff_client, settings):
    settings.RVR_RECORDING_CHUNK_MAX_BYTES = 128

    refused_with(post_chunk(staff_client(officer), agreed), 413, "recording_oversized")


def test_a_file_that_is_not_a_recording_is_refused(agreed, officer, staff_client):
    response = staff_client(officer).post(chunk_url(agreed), data=b"<script>alert(1)</script>",
                                          content_type="text/html")

    refused_with(response, 415, "recording_bad_type")


def test_an_upload_without_the_csrf_token_is_refused(agreed, officer, staff_client):
    client = staff_client(officer)
    client.handler.enforce_csrf_checks = True

    response = post_chunk(client, agreed)

    assert response.status_code == 403
    assert not RecordingChunk.objects.exists()


@pytest.fixture
def recorded(agreed, officer, staff_client) -> VideoSession:
    assert post_chunk(staff_client(officer), agreed).status_code == 200
    return agreed


def test_a_coordinator_cannot_play_a_recording(recorded, coordinator, staff_client):
    client = staff_client(coordinator)

    for url in (f"/rvr/sessions/{recorded.pk}/recording/",
                f"/rvr/sessions/{recorded.pk}/recording/victim/"):
        assert client.get(url).status_code == 403
    assert set(SecurityEvent.objects.values_list("kind", flat=True)) == {"wrong_role"}


def test_an_officer_who_did_not_take_the_call_cannot_play_it(recorded, staff_client):
    other = StaffFactory(username="otto", role=Role.RVR_OFFICER)

    response = staff_client(other).get(f"/rvr/sessions/{recorded.pk}/recording/victim/")

    assert response.status_code == 403
    assert SecurityEvent.objects.get().kind == "recording_not_officer"


def test_a_recording_is_served_so_that_nothing_in_it_can_run(recorded, supervisor,
                                                             staff_client):
    response = staff_client(supervisor).get(f"/rvr/sessions/{recorded.pk}/recording/victim/")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == FIRST_CHUNK
    assert response["Content-Type"] == "video/webm"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store"


def test_the_playback_page_shows_the_recording_verified(recorded, supervisor, staff_client):
    response = staff_client(supervisor).get(f"/rvr/sessions/{recorded.pk}/recording/")

    assert response.status_code == 200
    assert b"Verified: every chunk matches" in response.content


def test_the_server_reads_no_more_of_a_chunk_than_its_limit(settings):
    assert body_limit_for("/rvr/sessions/3/recording/chunks/") == max(
        settings.RVR_RECORDING_CHUNK_MAX_BYTES, settings.HUB_REQUEST_MAX_BYTES)
    assert body_limit_for("/rvr/sessions/3/recording/") == settings.HUB_REQUEST_MAX_BYTES


# The tamperer with the database, against verify and playback: the incident log says what must
# be there, so changing or removing rows cannot make a recording verify or vanish.

def three_chunks(session: VideoSession, officer) -> CallRecording:
    recording_consent_record(session_id=session.pk, agreed=True)
    for seq in range(3):
        data = (FIRST_CHUNK if seq == 0 else b"") + f"victim {seq} ".encode() * 20
        recording_chunk_store(session=session, officer=officer,
                              upload=ChunkUpload("victim", seq, data, "video/webm"))
    return CallRecording.objects.select_related("incident").get(session=session)


def verify_fails(*session_ids: int) -> str:
    err = StringIO()
    with pytest.raises(CommandError, match="failed verification"):
        call_command("rvr_recording_verify", *(str(pk) for pk in session_ids), stderr=err)
    return err.getvalue()


def test_marking_a_forged_recording_deleted_neither_verifies_nor_plays(
        in_call_session, officer, supervisor, staff_client):
    recording = three_chunks(in_call_session, officer)
    RecordingChunk.objects.filter(recording=recording, seq=1).update(data=b"forged evidence")
    CallRecording.objects.filter(pk=recording.pk).update(deleted_at=timezone.now())

    err = verify_fails()
    assert "its row is marked deleted, but the incident log has no deletion" in err
    assert "victim chunk 1: was altered" in err
    client = staff_client(supervisor)
    page = client.get(f"/rvr/sessions/{in_call_session.pk}/recording/")
    assert b'id="recording-problems"' in page.content and b"<video" not in page.content
    played = client.get(f"/rvr/sessions/{in_call_session.pk}/recording/victim/")
    assert played.status_code == 410
    assert b"forged evidence" not in played.content
    assert SecurityEvent.objects.get().kind == "recording_deleted"


def test_flipping_her_yes_and_removing_the_chunks_does_not_hide_the_recording(
        in_call_session, officer):
    recording = three_chunks(in_call_session, officer)
    RecordingChunk.objects.filter(recording=recording).delete()
    CallRecording.objects.filter(pk=recording.pk).update(consent=False)

    err = verify_fails()
    assert "its row says she said no, but the incident log has her yes" in err
    assert "victim chunk 0: is missing (deleted)" in err


def test_removing_the_recording_row_does_not_hide_the_recording(in_call_session, officer):
    recording = three_chunks(in_call_session, officer)
    RecordingChunk.objects.filter(recording=recording).delete()
    CallRecording.objects.filter(pk=recording.pk).delete()

    err = verify_fails(in_call_session.pk)
    assert "its row is missing, but the incident log has her yes" in err


def test_a_deletion_must_close_the_chain_the_log_holds(in_call_session, officer):
    recording = three_chunks(in_call_session, officer)
    RecordingChunk.objects.filter(recording=recording, seq=2).delete()
    CallRecording.objects.filter(pk=recording.pk).update(
        started_at=timezone.now() - timedelta(days=31))
    recordings_expire()

    err = verify_fails()
    assert "victim: its deletion in the incident log does not close the chain" in err


def test_a_chunk_put_back_after_the_deletion_is_named(in_call_session, officer):
    recording = three_chunks(in_call_session, officer)
    CallRecording.objects.filter(pk=recording.pk).update(
        started_at=timezone.now() - timedelta(days=31))
    recordings_expire()
    RecordingChunk.objects.create(recording=recording, track="victim", seq=0,
                                  data=FIRST_CHUNK, content_type="video/webm",
                                  sha256=hashlib.sha256(FIRST_CHUNK).hexdigest(),
                                  prev_sha256="0" * 64, size=len(FIRST_CHUNK),
                                  received_at=timezone.now())

    assert "victim chunk 0: is stored after the recording's deletion" in verify_fails()


def test_a_range_that_cannot_be_served_is_refused_and_noted(recorded, supervisor,
                                                            staff_client):
    response = staff_client(supervisor).get(f"/rvr/sessions/{recorded.pk}/recording/victim/",
                                            HTTP_RANGE=f"bytes={10 ** 9}-")

    assert response.status_code == 416
    assert SecurityEvent.objects.get().kind == "recording_bad_range"


def test_only_the_calls_officer_stops_the_recording(recorded, staff_client):
    other = StaffFactory(username="otto", role=Role.RVR_OFFICER)

    response = staff_client(other).post(f"/rvr/sessions/{recorded.pk}/recording/stop/",
                                        data={"reason": "refused"},
                                        content_type="application/json")

    assert response.status_code == 403
    assert SecurityEvent.objects.get().kind == "recording_not_officer"
    assert not LogEntry.objects.filter(kind="recording.stopped").exists()


@pytest.mark.parametrize("body", [b"not json", b'["refused"]', b'{"reason": "bored"}'])
def test_a_stop_that_does_not_say_why_is_refused(recorded, officer, staff_client, body):
    response = staff_client(officer).post(f"/rvr/sessions/{recorded.pk}/recording/stop/",
                                          data=body, content_type="application/json")

    assert response.status_code == 400
    assert SecurityEvent.objects.get().kind == "recording_malformed"
    assert not LogEntry.objects.filter(kind="recording.stopped").exists()


def test_a_stop_without_the_csrf_token_is_refused(recorded, officer, staff_client):
    client = staff_client(officer)
    client.handler.enforce_csrf_checks = True

    response = client.post(f"/rvr/sessions/{recorded.pk}/recording/stop/",
                           data={"reason": "refused"}, content_type="application/json")

    assert response.status_code == 403
    assert not LogEntry.objects.filter(kind="recording.stopped").exists()
