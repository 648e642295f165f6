"""An interpreter on a video call, in three real browsers with fake cameras and a real coturn:
the officer invites one from the call page, the interpreter opens the link in a browser of
their own and joins, and video flows between all three (the interpreter with each of the
others, always through TURN, beside the call's own connection, which need not be); their
coming and going is shown and logged. Without a TURN server the officer is told no
interpreter can be invited."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from playwright.sync_api import expect

from tests.pages.browser import screenshot
from tests.pages.rvr_calls import (
    FRAME_DECODED,
    PHONE,
    context_page,
    link_sent,
    officer_accepts,
    victim_waits,
)
from tests.servers import free_port

pytestmark = [pytest.mark.browser, pytest.mark.redis, pytest.mark.postgres]
INTERPRETER_LINK = re.compile(r"^https?://[^/]+/i/[A-Za-z0-9_-]{43}/$")
JOINED = "An interpreter has joined the call."
LEFT = "The interpreter has left the call."
SECRET = "turn-test-shared-secret"
# Keeps each page's peer connections where the test can ask them how they are connected.
PEERS_KEPT = """(() => {
  const Original = window.RTCPeerConnection;
  window.testPeers = [];
  window.RTCPeerConnection = function (config) {
    const pc = new Original(config);
    window.testPeers.push(pc);
    return pc;
  };
  window.RTCPeerConnection.prototype = Original.prototype;
})()"""
# The candidate types of each connected peer connection's pair in use, "local/remote".
PAIRS_IN_USE = """async () => {
  const pairs = [];
  for (const pc of window.testPeers.filter(p => p.connectionState === "connected")) {
    const stats = await pc.getStats();
    stats.forEach(r => {
      if (r.type === "candidate-pair" && r.nominated && r.state === "succeeded") {
        pairs.push(stats.get(r.localCandidateId).candidateType + "/"
                   + stats.get(r.remoteCandidateId).candidateType);
      }
    });
  }
  return pairs;
}"""


@pytest.fixture
def turn_hub(rvr_hub, settings):
    """The hub with a real coturn on loopback to relay through; the call itself is not
    relay-only unless a test says so."""
    port = free_port()
    process = subprocess.Popen(
        [shutil.which("turnserver"), "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1",
         f"--listening-port={port}", "--use-auth-secret", f"--static-auth-secret={SECRET}",
         "--realm=hub.test", "--no-cli", "--no-tls", "--no-dtls", "--allow-loopback-peers",
         "--fingerprint", "--min-port=49900", "--max-port=49990"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    settings.TURN_URLS = [f"turn:127.0.0.1:{port}?transport=udp"]
    settings.TURN_SECRET = SECRET
    try:
        yield rvr_hub
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.turn
def test_an_interpreter_joins_the_call_from_a_third_browser(turn_hub, rvr_call, chromium):
    officer, victim, session = rvr_call.officer, rvr_call.victim, rvr_call.session
    officer.get_by_role("button", name="Invite an interpreter").click()
    expect(officer.locator("#interpreter-url")).to_have_value(INTERPRETER_LINK)
    expect(victim.locator("[data-interpreter-status]")).to_have_text(
        "An interpreter has been asked to join the call.")
    link = officer.locator("#interpreter-url").input_value()

    context, interpreter = context_page(chromium)
    interpreter.add_init_script(PEERS_KEPT)
    try:
        interpreter.goto(link)
        assert interpreter.title() == "Video call"
        interpreter.get_by_role("button", name="Join").click()

        for selector in ('[data-peer-video="officer"]', '[data-peer-video="victim"]'):
            assert interpreter.evaluate(FRAME_DECODED, selector) > 0, selector
        # Though the call is not relay-only, each end of both its connections is TURN's.
        assert interpreter.evaluate(PAIRS_IN_USE) == ["relay/relay", "relay/relay"]
        assert officer.evaluate(FRAME_DECODED, "#interpreter-video") > 0
        assert victim.evaluate(FRAME_DECODED, "[data-interpreter-video]") > 0
        assert officer.evaluate(FRAME_DECODED, "#remote-video") > 0
        assert victim.evaluate(FRAME_DECODED, "[data-remote]") > 0
        expect(officer.locator("#interpreter-status")).to_have_text(JOINED)
        expect(victim.locator("[data-interpreter-status]")).to_have_text(JOINED)
        shown = interpreter.content()
        assert session.incident.reference not in shown and "DOMESTIC" not in shown
        screenshot(interpreter, "rvr_interpreter")
    finally:
        context.close()

    expect(officer.locator("#interpreter-status")).to_have_text(LEFT)
    expect(victim.locator("[data-interpreter-status]")).to_have_text(LEFT)
    kinds = list(session.incident.log.order_by("seq").values_list("kind", flat=True))
    order = ["video.interpreter_invited", "video.interpreter_link_used",
             "video.interpreter_joined", "video.interpreter_left"]
    assert [kind for kind in kinds if kind in order] == order


@pytest.mark.turn
def test_relay_only_takes_the_interpreter_through_turn(turn_hub, chromium, coordinator,
                                                       officer, settings):
    settings.RVR_RELAY_ONLY = True
    _, link = link_sent(coordinator)
    pages = {name: context_page(chromium, **(PHONE if name == "victim" else {}))
             for name in ("victim", "officer", "interpreter")}
    victim, officer_page, interpreter = (page for _, page in pages.values())
    interpreter.add_init_script(PEERS_KEPT)
    try:
        victim_waits(victim, link)
        officer_accepts(officer_page, turn_hub, officer)
        officer_page.get_by_role("button", name="Invite an interpreter").click()
        expect(officer_page.locator("#interpreter-url")).to_have_value(INTERPRETER_LINK)
        interpreter.goto(officer_page.locator("#interpreter-url").input_value())
        interpreter.get_by_role("button", name="Join").click()

        for selector in ('[data-peer-video="officer"]', '[data-peer-video="victim"]'):
            assert interpreter.evaluate(FRAME_DECODED, selector) > 0, selector
        assert officer_page.evaluate(FRAME_DECODED, "#interpreter-video") > 0
        assert victim.evaluate(FRAME_DECODED, "[data-interpreter-video]") > 0
        assert interpreter.evaluate(PAIRS_IN_USE) == ["relay/relay", "relay/relay"]
    finally:
        for context, _ in pages.values():
            context.close()


def test_without_a_turn_server_the_officer_is_told_no_interpreter_can_be_invited(rvr_call):
    officer = rvr_call.officer

    officer.get_by_role("button", name="Invite an interpreter").click()

    expect(officer.locator("#interpreter-result")).to_contain_text(
        "An interpreter cannot be invited: the hub has no relay (TURN) server")
    expect(officer.locator("#interpreter-link")).to_be_hidden()
