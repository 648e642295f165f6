"""A call's mode (video, audio only, text chat): each switch is in the incident log once."""

from __future__ import annotations

import pytest

from rvr.calls import video_call_end
from rvr.connection import ModeTooFrequent, call_mode_set, call_quality_config
from rvr.models import VideoSession
from tests.rvr.conftest import log_kinds

pytestmark = pytest.mark.django_db


def test_a_switch_is_logged_with_who_why_and_what_was_measured(in_call_session):
    changed = call_mode_set(session_id=in_call_session.pk, mode="audio", side="victim",
                            reason="weak", kbps=38.5)

    assert changed
    session = VideoSession.objects.get(pk=in_call_session.pk)
    assert session.mode == "audio" and session.audio_only
    entry = session.incident.log.get(kind="video.mode_changed")
    assert entry.data == {"session_id": session.pk, "mode": "audio", "from": "video",
                          "by": "victim", "reason": "weak", "kbps": 38.5}


def test_saying_the_same_mode_again_is_not_a_switch(in_call_session):
    call_mode_set(session_id=in_call_session.pk, mode="chat", side="victim", reason="failed")

    again = call_mode_set(session_id=in_call_session.pk, mode="chat", side="victim")

    assert not again
    assert log_kinds(in_call_session.incident).count("video.mode_changed") == 1


def test_video_back_on_clears_audio_only(in_call_session):
    call_mode_set(session_id=in_call_session.pk, mode="audio", side="victim")

    call_mode_set(session_id=in_call_session.pk, mode="video", side="victim")

    session = VideoSession.objects.get(pk=in_call_session.pk)
    assert session.mode == "video" and not session.audio_only
    assert log_kinds(session.incident).count("video.mode_changed") == 2


def test_an_ended_call_changes_mode_no_more(in_call_session):
    video_call_end(session_id=in_call_session.pk, by="victim")

    assert not call_mode_set(session_id=in_call_session.pk, mode="audio", side="victim")
    assert "video.mode_changed" not in log_kinds(in_call_session.incident)


def test_the_pages_get_the_thresholds_from_settings(settings):
    settings.RVR_WEAK_VIDEO_KBPS, settings.RVR_FAILING_SECONDS = 99, 7

    config = call_quality_config()

    assert config["weak_video_kbps"] == 99 and config["failing_seconds"] == 7
    assert set(config) == {"weak_video_kbps", "weak_seconds", "audio_only_grace_seconds",
                           "failing_audio_kbps", "failing_loss_pct", "failing_seconds",
                           "warmup_seconds"}


def test_more_switches_in_a_minute_than_a_connection_makes_are_refused(in_call_session,
                                                                       settings):
    settings.RVR_MODE_CHANGES_PER_MINUTE = 4
    for mode in ("audio", "video", "audio", "video"):
        assert call_mode_set(session_id=in_call_session.pk, mode=mode, side="victim")

    with pytest.raises(ModeTooFrequent):
        call_mode_set(session_id=in_call_session.pk, mode="chat", side="victim")

    assert log_kinds(in_call_session.incident).count("video.mode_changed") == 4
    assert VideoSession.objects.get(pk=in_call_session.pk).mode == "video"
