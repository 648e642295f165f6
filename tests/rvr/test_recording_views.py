"""The playback page and its players (rvr/recording_views.py): one look in the access log per
page view however many range requests its players make, a part per recorder, nothing to play
once deleted; the console's stop."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from contact_hub.staff.models import AccessEvent, SecurityEvent
from rvr.models import CallRecording, VideoSession
from rvr.recording import (
    EBML_MAGIC,
    ChunkUpload,
    recording_chunk_store,
    recording_consent_record,
    recordings_expire,
)
from tests.rvr.conftest import log_kinds

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def recording_allowed(settings):
    settings.HUB_RECORDING = {"allowed": True, "retention_days": 30, "chunk_seconds": 5}


def store(session: VideoSession, officer, track: str, seq: int, data: bytes) -> None:
    recording_chunk_store(session=session, officer=officer,
                          upload=ChunkUpload(track, seq, data, "video/webm"))


@pytest.fixture
def recorded(in_call_session, officer) -> VideoSession:
    """Her side in two parts (she reconnected after two chunks), the officer's in one."""
    recording_consent_record(session_id=in_call_session.pk, agreed=True)
    for seq, data in enumerate([EBML_MAGIC + b"a" * 50, b"b" * 50, EBML_MAGIC + b"c" * 50]):
        store(in_call_session, officer, "victim", seq, data)
    store(in_call_session, officer, "officer", 0, EBML_MAGIC + b"o" * 50)
    return in_call_session


def page_url(session: VideoSession) -> str:
    return f"/rvr/sessions/{session.pk}/recording/"


def test_the_page_and_its_players_range_requests_are_one_look(recorded, supervisor,
                                                              staff_client):
    client = staff_client(supervisor)

    assert client.get(page_url(recorded)).status_code == 200
    for header in ("bytes=0-", "bytes=10-20", "bytes=-5"):
        response = client.get(page_url(recorded) + "victim/?part=0", HTTP_RANGE=header)
        assert response.status_code == 206
    assert AccessEvent.objects.filter(actor=supervisor).count() == 1


def test_a_player_opened_without_the_page_is_a_look_of_its_own(recorded, supervisor,
                                                               staff_client):
    response = staff_client(supervisor).get(page_url(recorded) + "victim/")

    assert response.status_code == 200
    assert AccessEvent.objects.filter(actor=supervisor).count() == 1


def test_each_part_plays_as_its_own_webm_file(recorded, supervisor, staff_client):
    client = staff_client(supervisor)
    page = client.get(page_url(recorded)).content.decode()

    assert "Part 2" in page
    assert page.count("<video") == 3
    second = client.get(page_url(recorded) + "victim/?part=1")
    assert b"".join(second.streaming_content) == EBML_MAGIC + b"c" * 50
    assert second["Accept-Ranges"] == "bytes"


def test_a_part_that_is_not_there_is_not_found_and_noted(recorded, supervisor, staff_client):
    response = staff_client(supervisor).get(page_url(recorded) + "officer/?part=1")

    assert response.status_code == 404
    assert SecurityEvent.objects.get().kind == "recording_no_segment"


def test_a_deleted_recording_shows_no_player(recorded, supervisor, staff_client):
    CallRecording.objects.filter(session=recorded).update(
        started_at=timezone.now() - timedelta(days=31))
    recordings_expire()

    page = staff_client(supervisor).get(page_url(recorded)).content.decode()

    assert 'id="recording-deleted"' in page and "<video" not in page
    assert 'id="recording-verified"' in page


def test_the_console_stops_the_recording_and_says_why(recorded, officer, staff_client):
    response = staff_client(officer).post(page_url(recorded) + "stop/",
                                          data={"reason": "upload_failed"},
                                          content_type="application/json")

    assert response.status_code == 200
    assert response.json()["chunks"] == {"victim": 3, "officer": 1}
    assert log_kinds(recorded.incident).count("recording.stopped") == 1
