"""A poor connection degrades, not drops: in real browsers, the victim's sending is really
capped (RTCRtpSender.setParameters) or stopped, and what the officer's browser measures it
receives moves the call from video to audio only, then to text chat, with both sides shown
what is happening and each switch in the incident log."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from rvr.models import VideoSession

pytestmark = [pytest.mark.browser, pytest.mark.redis, pytest.mark.postgres]

# Far below the weak-video threshold (150 kbit/s), as on one bar of mobile signal.
CAP_VIDEO = """kbps => {
  const sender = window.rvr.pc().getSenders().find(s => s.track && s.track.kind === "video");
  const parameters = sender.getParameters();
  parameters.encodings[0].maxBitrate = kbps * 1000;
  return sender.setParameters(parameters);
}"""
# Her voice stops getting through at all.
STOP_AUDIO = """() => window.rvr.pc().getSenders()
  .find(s => s.track && s.track.kind === "audio").replaceTrack(null)"""
SENDING = "() => window.rvr.pc().getSenders().filter(s => s.track).map(s => s.track.kind)"
WEAK_OFFER = "Your connection is weak: switch to audio only?"


@pytest.fixture(autouse=True)
def quick_to_judge(settings):
    """The same rules, judged over seconds rather than the product's longer spans."""
    settings.RVR_WEAK_SECONDS, settings.RVR_AUDIO_ONLY_GRACE_SECONDS = 2, 3
    settings.RVR_FAILING_SECONDS, settings.RVR_QUALITY_WARMUP_SECONDS = 2, 2


def _switches(session: VideoSession) -> list[tuple[str, str, str]]:
    return [(e.data["mode"], e.data["reason"], e.data["by"])
            for e in session.incident.log.filter(kind="video.mode_changed").order_by("seq")]


def test_a_capped_connection_offers_then_takes_audio_only_then_chat(rvr_call):
    victim, officer = rvr_call.victim, rvr_call.officer

    victim.evaluate(CAP_VIDEO, 40)

    expect(victim.get_by_text(WEAK_OFFER)).to_be_visible(timeout=30000)
    expect(officer.locator("#call-quality")).to_have_text(
        "The connection is weak: the victim is being offered audio only.")
    expect(victim.locator("[data-audio-only]")).to_have_text("Video back on", timeout=20000)
    expect(victim.get_by_text(WEAK_OFFER)).to_be_hidden()
    expect(officer.locator("#call-quality")).to_have_text(
        "The connection stayed weak: the call is now audio only.")
    assert victim.evaluate(SENDING) == ["audio"]

    victim.evaluate(STOP_AUDIO)

    expect(officer.locator("#call-quality")).to_have_text(
        "Audio failed too: the call is now text chat only. Type to the victim.", timeout=30000)
    expect(victim.locator("[data-chat-only]")).to_be_visible()
    expect(victim.get_by_placeholder("Type a message")).to_be_focused()
    expect(victim.locator("[data-remote]")).to_be_hidden()
    victim.get_by_placeholder("Type a message").fill("He is in the next room")
    victim.get_by_role("button", name="Send", exact=True).click()
    expect(officer.locator("#chat-lines")).to_contain_text("Victim: He is in the next room")
    assert officer.evaluate(SENDING) == []

    session = VideoSession.objects.get(pk=rvr_call.session.pk)
    assert session.mode == VideoSession.Mode.CHAT and session.audio_only
    assert _switches(session) == [("audio", "weak", "victim"), ("chat", "failed", "victim")]
    kbps = session.incident.log.filter(kind="video.mode_changed").order_by("seq")[0].data["kbps"]
    assert kbps is not None and kbps < 150


def test_she_can_take_audio_only_when_offered_and_have_video_back(rvr_call):
    victim, officer = rvr_call.victim, rvr_call.officer

    victim.evaluate(CAP_VIDEO, 40)
    victim.get_by_role("button", name="Switch to audio only").click(timeout=30000)

    expect(officer.locator("#call-quality")).to_have_text("The victim chose audio only.")
    expect(victim.get_by_text(WEAK_OFFER)).to_be_hidden()
    victim.get_by_role("button", name="Video back on").click()
    expect(officer.locator("#call-quality")).to_have_text("The victim's video is back on.")
    assert sorted(victim.evaluate(SENDING)) == ["audio", "video"]
    assert _switches(VideoSession.objects.get(pk=rvr_call.session.pk)) == [
        ("audio", "chosen", "victim"), ("video", "chosen", "victim")]


def test_a_good_connection_stays_on_video(rvr_call):
    victim, officer = rvr_call.victim, rvr_call.officer

    # Long enough for the warm-up and the weak span to pass, had anything been judged weak.
    victim.wait_for_timeout(6000)

    expect(victim.get_by_text(WEAK_OFFER)).to_be_hidden()
    expect(officer.locator("#call-quality")).to_be_hidden()
    assert _switches(VideoSession.objects.get(pk=rvr_call.session.pk)) == []
