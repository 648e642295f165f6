"""The connection check with real aiortc peers: the hub's peer measures the victim's connection,
stores the result for the officer, and gives advice when it is too poor."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from rvr.connection_check import AUDIO_ONLY, GOOD, POOR, check_verdict
from rvr.links import video_session_join
from rvr.models import VideoSession
from tests.rvr.peers import CheckBrowser, run_check, socket_for, victim_cookie

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("close_thread_connections")]


@pytest.fixture
def joined(sent):
    session, token = sent
    return session, video_session_join(token=token).browser_secret


async def _checked(joined, browser: CheckBrowser) -> tuple[dict, VideoSession]:
    session, secret = joined
    socket = socket_for(session.pk, "victim", cookie=victim_cookie(secret))
    connected, _ = await socket.connect()
    assert connected
    await socket.receive_json_from()  # welcome
    try:
        result = await run_check(socket, browser)
    finally:
        await browser.close()
        await socket.disconnect()
    return result, await sync_to_async(
        VideoSession.objects.select_related("incident").get)(pk=session.pk)


async def test_a_good_connection_is_measured_stored_and_the_victim_waits(joined):
    result, session = await _checked(joined, CheckBrowser())

    assert result["verdict"] == GOOD and result["advice"] == ""
    assert 0 < result["rtt_ms"] < 400 and result["loss_pct"] < 5
    assert result["bitrate_kbps"] >= 300
    assert session.status == VideoSession.Status.WAITING
    assert (session.check_rtt_ms, session.check_verdict) == (result["rtt_ms"], GOOD)
    entry = await sync_to_async(session.incident.log.get)(kind="video.connection_checked")
    assert entry.data["verdict"] == GOOD and entry.data["bitrate_kbps"] == result["bitrate_kbps"]


async def test_a_lossy_slow_connection_gets_advice_to_call_back_instead(joined):
    result, session = await _checked(joined, CheckBrowser(answer_every=3, probe_kbps=20))

    assert result["verdict"] == POOR
    assert result["loss_pct"] > 50
    assert "call back" in result["advice"] and "Wi-Fi" in result["advice"]
    assert session.check_verdict == POOR and session.status == VideoSession.Status.WAITING


@pytest.mark.parametrize("rtt, loss, kbps, verdict", [
    (40, 0, 900, GOOD),
    (450, 0, 900, AUDIO_ONLY),
    (40, 8, 900, AUDIO_ONLY),
    (40, 0, 120, AUDIO_ONLY),
    (1200, 0, 900, POOR),
    (40, 20, 900, POOR),
    (40, 0, 20, POOR),
    (None, None, None, POOR),
])
def test_the_verdict_follows_round_trip_loss_and_bitrate(rtt, loss, kbps, verdict):
    assert check_verdict(rtt_ms=rtt, loss_pct=loss, bitrate_kbps=kbps) == verdict
