"""The interpreter's websocket: signalling for its own two peer connections reaches only the
end it names, always relay-only (whatever the call's own setting), and its coming and going is
told and logged."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from rvr.calls import video_call_end
from rvr.interpreter import interpreter_revoke
from tests.rvr.conftest import log_kinds
from tests.rvr.interpreter_sockets import (
    HOST,
    OFFER,
    RELAY,
    Call,
    all_three,
    call_with_interpreter,
    turn_configured,  # noqa: F401 - fixture
)

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("turn_configured", "close_thread_connections")]


@pytest.fixture
def call(sent, officer) -> Call:
    return call_with_interpreter(sent, officer)


# What the hub passes of OFFER: no address in its origin line.
OFFER_PASSED = OFFER.replace("IN IP4 127.0.0.1", "IN IP4 0.0.0.0")


def _candidate(line: str, peer: str) -> dict:
    return {"type": "candidate", "peer": peer,
            "candidate": {"candidate": line, "sdpMid": "0", "sdpMLineIndex": 0}}


async def test_the_interpreters_offer_and_the_answer_reach_only_the_pair(call, officer,
                                                                         staff_client):
    sockets = await all_three(call, officer, staff_client)

    await sockets.interpreter.send_json_to({"type": "offer", "peer": "officer", "sdp": OFFER})
    assert await sockets.officer.receive_json_from() == {
        "type": "offer", "peer": "interpreter", "sdp": OFFER_PASSED}
    await sockets.officer.send_json_to({"type": "answer", "peer": "interpreter", "sdp": OFFER})
    assert await sockets.interpreter.receive_json_from() == {
        "type": "answer", "peer": "officer", "sdp": OFFER_PASSED}

    assert await sockets.victim.receive_nothing(timeout=0.2)
    await sockets.close()


async def test_the_victim_and_the_interpreter_exchange_candidates(call, officer, staff_client):
    sockets = await all_three(call, officer, staff_client)

    await sockets.interpreter.send_json_to(_candidate(RELAY, "victim"))
    await sockets.victim.send_json_to(_candidate(RELAY, "interpreter"))

    to_victim = await sockets.victim.receive_json_from()
    assert to_victim["peer"] == "interpreter" and to_victim["candidate"]["candidate"] == RELAY
    to_interpreter = await sockets.interpreter.receive_json_from()
    assert to_interpreter["peer"] == "victim"
    assert await sockets.officer.receive_nothing(timeout=0.2)
    await sockets.close()


async def test_the_calls_own_signalling_and_chat_never_reach_the_interpreter(
        call, officer, staff_client):
    sockets = await all_three(call, officer, staff_client)

    await sockets.officer.send_json_to({"type": "offer", "sdp": OFFER})
    assert await sockets.victim.receive_json_from() == {"type": "offer", "sdp": OFFER}
    await sockets.victim.send_json_to({"type": "chat", "text": "He took my phone before"})
    assert (await sockets.officer.receive_json_from())["type"] == "chat"

    assert await sockets.interpreter.receive_nothing(timeout=0.3)
    await sockets.close()


async def test_the_interpreters_connections_are_relay_only_though_the_call_is_not(
        call, officer, staff_client, settings):
    assert settings.RVR_RELAY_ONLY is False
    sockets = await all_three(call, officer, staff_client)

    await sockets.interpreter.send_json_to({"type": "offer", "peer": "victim",
                                            "sdp": OFFER + f"a={HOST}\r\na={RELAY}\r\n"})
    for line in (HOST, RELAY):
        await sockets.interpreter.send_json_to(_candidate(line, "victim"))
    await sockets.victim.send_json_to(_candidate(HOST, "interpreter"))

    offer = await sockets.victim.receive_json_from()
    assert "192.0.2.2" not in offer["sdp"] and RELAY in offer["sdp"]
    assert (await sockets.victim.receive_json_from())["candidate"]["candidate"] == RELAY
    assert await sockets.victim.receive_nothing(timeout=0.2)
    assert await sockets.interpreter.receive_nothing(timeout=0.2)
    await sockets.close()


async def test_the_addresses_in_a_description_and_a_relay_candidate_are_blanked(
        call, officer, staff_client):
    sockets = await all_three(call, officer, staff_client)
    relay_showing = RELAY.replace("raddr 0.0.0.0 rport 0", "raddr 203.0.113.4 rport 61000")
    sdp = OFFER + ("m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 203.0.113.4\r\n"
                   "a=rtcp:9 IN IP6 2001:db8::4\r\n")

    await sockets.victim.send_json_to({"type": "answer", "peer": "interpreter",
                                       "sdp": sdp + f"a={relay_showing}\r\n"})
    await sockets.victim.send_json_to(_candidate(relay_showing, "interpreter"))

    answer = await sockets.interpreter.receive_json_from()
    candidate = await sockets.interpreter.receive_json_from()
    assert "203.0.113.4" not in answer["sdp"] and "2001:db8" not in answer["sdp"]
    assert "c=IN IP4 0.0.0.0" in answer["sdp"] and f"a={RELAY}" in answer["sdp"]
    assert candidate["candidate"]["candidate"] == RELAY
    await sockets.close()


async def test_joining_and_leaving_are_told_to_both_and_logged(call, officer, staff_client):
    sockets = await all_three(call, officer, staff_client)

    await sockets.interpreter.disconnect()

    for socket in (sockets.victim, sockets.officer):
        assert await socket.receive_json_from() == {"type": "interpreter.left"}
    kinds = await sync_to_async(log_kinds)(call.session.incident)
    assert kinds.index("video.interpreter_joined") < kinds.index("video.interpreter_left")
    await sockets.victim.disconnect()
    await sockets.officer.disconnect()


async def test_the_interpreter_hears_when_the_victim_comes_back(call, officer, staff_client):
    sockets = await all_three(call, officer, staff_client)

    await sockets.victim.disconnect()
    assert await sockets.interpreter.receive_json_from() == {"type": "peer.left",
                                                             "side": "victim"}
    await sockets.officer.receive_json_from()

    assert await sockets.interpreter.receive_nothing(timeout=0.2)
    await sockets.officer.disconnect()
    await sockets.interpreter.disconnect()


async def test_revoking_drops_the_interpreter_from_the_call(call, officer, staff_client):
    sockets = await all_three(call, officer, staff_client)

    await sync_to_async(interpreter_revoke)(session=call.session, officer=officer)

    assert (await sockets.interpreter.receive_json_from())["type"] == "interpreter.revoked"
    assert (await sockets.interpreter.receive_output(timeout=2))["type"] == "websocket.close"
    revoked = [await sockets.officer.receive_json_from() for _ in range(2)]
    assert {"type": "interpreter.left"} in revoked
    await sockets.victim.disconnect()
    await sockets.officer.disconnect()


async def test_the_end_of_the_call_closes_the_interpreters_socket(call, officer, staff_client):
    sockets = await all_three(call, officer, staff_client)

    await sync_to_async(video_call_end)(session_id=call.session.pk, by="officer")

    assert (await sockets.interpreter.receive_json_from())["type"] == "video.ended"
    assert (await sockets.interpreter.receive_output(timeout=2))["type"] == "websocket.close"
    await sockets.close()
