"""A faster connect, in real browsers: the officer's console makes the call's connection ready
while a victim waits (camera, peer connection, ICE), lets it go when nobody waits, and Accept
takes the call without leaving the page, its offer going with the Accept; the victim's side is
ready too (rvr/ice.py, rvr/connect_views.py, rvr/static/rvr/officer_connect.js, victim.js)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from rvr.models import VideoSession
from tests.pages.browser import sign_in
from tests.pages.rvr_calls import FRAME_DECODED, PHONE, context_page, link_sent, victim_waits

pytestmark = [pytest.mark.browser, pytest.mark.redis, pytest.mark.postgres]

# The victim's page has its peer connection made (her tracks on it) before any offer.
VICTIM_READY = """() => new Promise(resolve => {
  const made = [];
  const Original = window.RTCPeerConnection;
  window.RTCPeerConnection = function (config) {
    const pc = new Original(config);
    made.push({ pc: pc, pool: config.iceCandidatePoolSize || 0 });
    return pc;
  };
  window.RTCPeerConnection.prototype = Original.prototype;
  window.madeConnections = made;
  resolve();
})"""
# What the console's page sends on its websockets, by type.
SOCKET_SENDS = """() => {
  window.socketSent = [];
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    window.socketSent.push(JSON.parse(data).type);
    return send.call(this, data);
  };
}"""


def test_accept_takes_the_call_on_the_console_with_the_connection_made_ready(
        rvr_hub, chromium, coordinator, officer):
    session, link = link_sent(coordinator)
    victim_context, victim = context_page(chromium, **PHONE)
    officer_context, console = context_page(chromium)
    try:
        sign_in(console, rvr_hub, officer)
        console.add_init_script(f"({SOCKET_SENDS})()")
        console.goto(f"{rvr_hub}/rvr/")
        expect(console.locator("#waiting")).to_have_attribute("data-prepared", "no")

        victim.add_init_script(f"({VICTIM_READY})()")
        victim_waits(victim, link)
        expect(console.locator("#waiting")).to_have_attribute("data-prepared", "yes",
                                                              timeout=20000)
        assert victim.evaluate("() => window.madeConnections.filter(m => m.pool).length") == 1
        console.evaluate("() => { window.sameDocument = true; }")

        console.get_by_role("button", name="Accept").click()
        console.wait_for_url(re.compile(r"/rvr/sessions/\d+/call/$"))

        assert console.evaluate(FRAME_DECODED, "#remote-video") > 0
        assert victim.evaluate(FRAME_DECODED, "[data-remote]") > 0
        assert console.evaluate("() => window.sameDocument === true")
        # The camera the console got is the one the victim sees.
        assert console.evaluate("() => document.getElementById('local-video').srcObject"
                                ".getVideoTracks()[0].readyState") == "live"
        expect(console).to_have_title(re.compile(r"^Video call INC-"))
        expect(console.locator("#call-status")).to_have_text("Connected.")
        # The call page's own scripts run as if it had been opened: chat, for one.
        console.get_by_placeholder("Type to the victim").fill("I can see you now")
        console.get_by_role("button", name="Send", exact=True).click()
        expect(victim.locator("[data-chat-lines]")).to_contain_text("Officer: I can see you")
        # Her call was answered on the connection made while she waited.
        assert victim.evaluate("() => window.madeConnections.filter(m => m.pool)"
                               "[0].pc.connectionState") == "connected"
        # The offer went with Accept, never over the console's socket, and she answered it.
        sent = console.evaluate("() => window.socketSent")
        assert "offer" not in sent and "chat" in sent
        assert victim.evaluate("() => window.madeConnections.filter(m => m.pool)"
                               "[0].pc.remoteDescription.type") == "offer"
    finally:
        victim_context.close()
        officer_context.close()

    session.refresh_from_db()
    assert session.status == VideoSession.Status.IN_CALL and session.officer == officer
    assert session.incident.log.filter(kind="video.officer_accepted").count() == 1


def test_the_console_lets_the_camera_go_when_nobody_waits(rvr_hub, chromium, coordinator,
                                                          officer):
    _, link = link_sent(coordinator)
    victim_context, victim = context_page(chromium, **PHONE)
    officer_context, console = context_page(chromium)
    try:
        sign_in(console, rvr_hub, officer)
        console.goto(f"{rvr_hub}/rvr/")
        victim_waits(victim, link)
        expect(console.locator("#waiting")).to_have_attribute("data-prepared", "yes",
                                                              timeout=20000)

        victim.get_by_role("button", name="Leave quickly").click()

        expect(console.locator("tr.waiting-victim")).to_have_count(0, timeout=20000)
        expect(console.locator("#waiting")).to_have_attribute("data-prepared", "no")
    finally:
        victim_context.close()
        officer_context.close()
