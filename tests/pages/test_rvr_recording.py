"""A recorded call in real browsers with fake cameras: where the force records calls, the victim
is asked on her phone at the start of the call and agrees; the officer's console records both
sides with MediaRecorder and uploads chunks as the call goes; both sides show "recording";
the chunks verify against the incident log, and a chunk tampered with in the database is
named. Saying no leaves the call unrecorded, and the officer is told."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from rvr.models import CallRecording, RecordingChunk
from rvr.recording import EBML_MAGIC, recording_verify
from tests.pages.browser import screenshot, sign_in
from tests.pages.rvr_calls import context_page

pytestmark = [pytest.mark.browser, pytest.mark.redis, pytest.mark.postgres]

METADATA_LOADED = """selector => new Promise((resolve, reject) => {
  const video = document.querySelector(selector);
  setTimeout(() => reject(new Error("the recording did not load")), 15000);
  if (video.readyState >= 1) { resolve(video.videoWidth); return; }
  video.addEventListener("loadedmetadata", () => resolve(video.videoWidth));
  video.addEventListener("error", () => reject(new Error("the recording did not decode")));
})"""


@pytest.fixture(autouse=True)
def recording_allowed(settings):
    settings.HUB_RECORDING = {"allowed": True, "retention_days": 30, "chunk_seconds": 1}


def chunks_stored(session_id: int, *, per_side: int, within: float = 30.0) -> dict[str, int]:
    """Wait until each side has `per_side` chunks stored (the console sends one a second)."""
    deadline = time.monotonic() + within
    while True:
        counts = {track: RecordingChunk.objects.filter(recording__session_id=session_id,
                                                       track=track).count()
                  for track in ("victim", "officer")}
        if min(counts.values()) >= per_side or time.monotonic() > deadline:
            return counts
        time.sleep(0.25)


def test_a_recorded_call_verifies_and_a_tampered_chunk_is_caught(rvr_call, rvr_hub, chromium,
                                                                 supervisor):
    victim, officer, session = rvr_call.victim, rvr_call.officer, rvr_call.session

    expect(victim.get_by_text("Can we record this call?")).to_be_visible(timeout=15000)
    victim.get_by_role("button", name="Yes, record").click()

    expect(victim.get_by_text("You agreed to this call being recorded.")).to_be_visible()
    expect(officer.locator("#recording-indicator")).to_be_visible(timeout=20000)
    expect(victim.locator("[data-recording-indicator]")).to_be_visible(timeout=20000)
    screenshot(victim, "rvr-recording-victim")
    screenshot(officer, "rvr-recording-officer")
    assert min(chunks_stored(session.pk, per_side=3).values()) >= 3

    officer.get_by_role("button", name="End call").click()
    expect(victim.get_by_role("heading", name="The call has ended")).to_be_visible(
        timeout=15000)
    recording = CallRecording.objects.select_related("incident").get(session=session)
    assert recording.incident.log.get(kind="recording.consent").data["agreed"] is True
    first = RecordingChunk.objects.get(recording=recording, track="victim", seq=0)
    assert bytes(first.data).startswith(EBML_MAGIC)
    check = recording_verify(recording)
    assert check.ok, check.problems
    assert check.chunks["victim"] >= 3 and check.chunks["officer"] >= 3

    # A supervisor plays it back: each side is one WebM file the browser can decode.
    context, page = context_page(chromium)
    try:
        sign_in(page, rvr_hub, supervisor)
        page.goto(f"{rvr_hub}/rvr/sessions/{session.pk}/recording/")
        expect(page.locator("#recording-verified")).to_be_visible()
        assert page.evaluate(METADATA_LOADED, "video") > 0
        screenshot(page, "rvr-recording-playback")
    finally:
        context.close()

    RecordingChunk.objects.filter(recording=recording, track="officer", seq=1).update(
        data=b"not what was recorded")
    assert [str(p) for p in recording_verify(recording).problems] == [
        "officer chunk 1: was altered: its content does not match the SHA-256 in the "
        "incident log"]


def test_her_no_means_no_recording_and_the_officer_is_told(rvr_call):
    victim, officer, session = rvr_call.victim, rvr_call.officer, rvr_call.session

    expect(victim.get_by_text("Can we record this call?")).to_be_visible(timeout=15000)
    victim.get_by_role("button", name="No, don't record").click()

    expect(officer.get_by_text("The victim said no: this call is not recorded.")).to_be_visible(
        timeout=10000)
    expect(victim.get_by_text("This call is not being recorded.")).to_be_visible()
    assert CallRecording.objects.get(session=session).consent is False
    expect(officer.locator("#recording-indicator")).to_be_hidden()
    assert not RecordingChunk.objects.filter(recording__session=session).exists()


def test_a_recording_the_hub_stops_taking_is_turned_off_on_both_sides(rvr_call, settings):
    victim, officer, session = rvr_call.victim, rvr_call.officer, rvr_call.session

    expect(victim.get_by_text("Can we record this call?")).to_be_visible(timeout=15000)
    victim.get_by_role("button", name="Yes, record").click()
    expect(officer.locator("#recording-indicator")).to_be_visible(timeout=20000)
    expect(victim.locator("[data-recording-indicator]")).to_be_visible(timeout=20000)

    # From now on every chunk is too large for the hub: its chain cannot skip one, so the
    # console stops, and the hub logs it and tells both pages.
    settings.RVR_RECORDING_CHUNK_MAX_BYTES = 1
    expect(officer.locator("#recording-status")).to_contain_text("The recording stopped",
                                                                 timeout=20000)
    expect(officer.locator("#recording-indicator")).to_be_hidden()
    expect(victim.get_by_text("The call is no longer being recorded.")).to_be_visible(
        timeout=15000)
    expect(victim.locator("[data-recording-indicator]")).to_be_hidden()
    screenshot(officer, "rvr-recording-stopped-officer")
    recording = CallRecording.objects.select_related("incident").get(session=session)
    stop = recording.incident.log.get(kind="recording.stopped")
    assert stop.data["reason"] == "refused"
    assert recording_verify(recording).ok
