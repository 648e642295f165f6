"""The session websocket: who gets in, what may be sent, and what is relayed between browsers."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings

from contact_hub.asgi import application
from contact_hub.staff.models import Role, SecurityEvent
from rvr.calls import video_check_record, video_session_accept
from rvr.connection_check import CheckResult
from rvr.kept_from import officers_withdraw
from rvr.links import video_session_join
from rvr.models import VideoSession
from tests.factories import StaffFactory
from tests.rvr.conftest import log_kinds, named_in_her_incident
from tests.rvr.peers import HEADERS, socket_for, victim_cookie

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("close_thread_connections")]
OFFER = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
HOST = "candidate:1 1 udp 2122260223 192.0.2.2 54400 typ host generation 0"
RELAY = "candidate:2 1 udp 41885439 198.51.100.7 50000 typ relay raddr 0.0.0.0 rport 0"


@pytest.fixture
def in_call(sent, officer):
    """A session the victim joined, checked and the officer accepted: (session, cookie)."""
    session, token = sent
    secret = video_session_join(token=token).browser_secret
    video_check_record(session_id=session.pk, result=CheckResult(30.0, 0.0, 800.0, "good"))
    video_session_accept(session=session, officer=officer)
    return session, victim_cookie(secret)


def _staff_cookie(client) -> str:
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}"


async def _both(in_call, officer, staff_client):
    session, cookie = in_call
    client = await sync_to_async(staff_client)(officer)
    victim = socket_for(session.pk, "victim", cookie=cookie)
    officer_socket = socket_for(session.pk, "officer", cookie=_staff_cookie(client))
    assert (await victim.connect())[0]
    assert (await victim.receive_json_from())["type"] == "welcome"
    assert (await officer_socket.connect())[0]
    assert (await officer_socket.receive_json_from())["type"] == "welcome"
    assert await victim.receive_json_from() == {"type": "peer.joined", "side": "officer"}
    return victim, officer_socket


async def _events(kind: str) -> int:
    return await sync_to_async(SecurityEvent.objects.filter(kind=kind).count)()


async def test_the_victims_browser_is_admitted_by_its_cookie(in_call):
    session, cookie = in_call
    socket = socket_for(session.pk, "victim", cookie=cookie)

    connected, _ = await socket.connect()

    assert connected
    assert await socket.receive_json_from() == {"type": "welcome", "side": "victim"}
    await socket.disconnect()


async def test_a_browser_without_the_cookie_is_refused(in_call):
    session, _ = in_call

    connected, code = await socket_for(session.pk, "victim",
                                       cookie=victim_cookie("guess")).connect()

    assert not connected and code == 4403
    assert await _events("video_socket_wrong_browser") == 1


async def test_the_officer_who_accepted_is_admitted_and_offers_reach_the_victim(
        in_call, officer, staff_client):
    victim, officer_socket = await _both(in_call, officer, staff_client)

    await officer_socket.send_json_to({"type": "offer", "sdp": OFFER})
    await officer_socket.send_json_to({"type": "candidate", "candidate": {
        "candidate": HOST, "sdpMid": "0", "sdpMLineIndex": 0}})

    assert await victim.receive_json_from() == {"type": "offer", "sdp": OFFER}
    relayed = await victim.receive_json_from()
    assert relayed["candidate"]["candidate"] == HOST
    await victim.send_json_to({"type": "answer", "sdp": OFFER})
    assert await officer_socket.receive_json_from() == {"type": "answer", "sdp": OFFER}
    assert await officer_socket.receive_nothing(timeout=0.2)
    await victim.disconnect()
    await officer_socket.disconnect()


async def test_an_officer_not_assigned_to_the_call_is_refused(in_call, staff_client):
    session, _ = in_call
    other = await sync_to_async(StaffFactory)(username="other", role=Role.RVR_OFFICER)
    client = await sync_to_async(staff_client)(other)

    connected, code = await socket_for(session.pk, "officer",
                                       cookie=_staff_cookie(client)).connect()

    assert not connected and code == 4403
    assert await _events("video_officer_not_assigned") == 1


async def test_an_officer_named_after_taking_the_call_is_refused(in_call, officer,
                                                                 staff_client):
    session, _ = in_call
    await sync_to_async(named_in_her_incident)(session.incident, officer)
    client = await sync_to_async(staff_client)(officer)

    connected, code = await socket_for(session.pk, "officer",
                                       cookie=_staff_cookie(client)).connect()

    assert not connected and code == 4403
    assert await _events("video_officer_not_assigned") == 1


async def test_a_coordinator_cannot_join_as_the_officer(in_call, coordinator, staff_client):
    session, _ = in_call
    client = await sync_to_async(staff_client)(coordinator)

    connected, _ = await socket_for(session.pk, "officer",
                                    cookie=_staff_cookie(client)).connect()

    assert not connected
    assert await _events("video_socket_not_officer") == 1


async def test_the_victim_cannot_send_an_offer(in_call):
    session, cookie = in_call
    socket = socket_for(session.pk, "victim", cookie=cookie)
    await socket.connect()
    await socket.receive_json_from()

    await socket.send_json_to({"type": "offer", "sdp": OFFER})

    reply = await socket.receive_json_from()
    assert reply["type"] == "error" and "cannot send offer" in reply["reason"]
    assert await _events("video_signal_not_allowed") == 1
    await socket.disconnect()


@pytest.mark.parametrize("raw", [
    "not json",
    json.dumps(["offer"]),
    json.dumps({"type": "teleport"}),
    json.dumps({"type": "answer", "sdp": 42}),
    json.dumps({"type": "answer", "sdp": OFFER, "extra": 1}),
    json.dumps({"type": "candidate", "candidate": {"candidate": "rm -rf /"}}),
    json.dumps({"type": "chat", "text": ""}),
    json.dumps({"type": "mode", "audio_only": "yes"}),
])
async def test_malformed_messages_are_refused_and_recorded(in_call, raw):
    session, cookie = in_call
    socket = socket_for(session.pk, "victim", cookie=cookie)
    await socket.connect()
    await socket.receive_json_from()

    await socket.send_to(text_data=raw)

    assert (await socket.receive_json_from())["type"] == "error"
    assert await _events("video_signal_malformed") == 1
    await socket.disconnect()


async def test_repeated_malformed_messages_close_the_socket(in_call):
    session, cookie = in_call
    socket = socket_for(session.pk, "victim", cookie=cookie)
    await socket.connect()
    await socket.receive_json_from()

    for _ in range(5):
        await socket.send_to(text_data="{")
        await socket.receive_json_from()

    assert (await socket.receive_output(timeout=2))["code"] == 4400


async def test_an_oversized_message_closes_the_socket(in_call):
    session, cookie = in_call
    socket = socket_for(session.pk, "victim", cookie=cookie)
    await socket.connect()
    await socket.receive_json_from()

    await socket.send_json_to({"type": "answer", "sdp": "v=0" + "a" * 100_000})

    assert (await socket.receive_output(timeout=2))["code"] == 4413
    assert await _events("video_signal_oversized") == 1


async def test_a_flood_of_messages_closes_the_socket(in_call, settings):
    settings.RVR_SIGNAL_BURST, settings.RVR_SIGNAL_PER_SECOND = 5, 1
    session, cookie = in_call
    socket = socket_for(session.pk, "victim", cookie=cookie)
    await socket.connect()
    await socket.receive_json_from()

    for _ in range(6):
        await socket.send_json_to({"type": "mode", "audio_only": True})

    assert (await socket.receive_output(timeout=2))["code"] == 4429
    assert await _events("video_signal_too_fast") == 1


async def test_relay_only_keeps_each_sides_address_from_the_other(in_call, officer,
                                                                 staff_client, settings):
    settings.TURN_URLS, settings.TURN_SECRET = ["turn:127.0.0.1:3478"], "s3cret"
    settings.RVR_RELAY_ONLY = True
    victim, officer_socket = await _both(in_call, officer, staff_client)

    await officer_socket.send_json_to({"type": "offer", "sdp": OFFER + f"a={HOST}\r\n"
                                                               + f"a={RELAY}\r\n"})
    for line in (HOST, RELAY):
        await officer_socket.send_json_to({"type": "candidate", "candidate": {
            "candidate": line, "sdpMid": "0", "sdpMLineIndex": 0}})

    offer = await victim.receive_json_from()
    assert "192.0.2.2" not in offer["sdp"] and RELAY in offer["sdp"]
    candidate = await victim.receive_json_from()
    assert candidate["candidate"]["candidate"] == RELAY
    assert await victim.receive_nothing(timeout=0.2)
    await victim.disconnect()
    await officer_socket.disconnect()


async def test_chat_reaches_both_sides_and_the_incident_log(in_call, officer, staff_client):
    victim, officer_socket = await _both(in_call, officer, staff_client)

    await victim.send_json_to({"type": "chat", "text": "He is outside, I can't talk"})

    for socket in (victim, officer_socket):
        line = await socket.receive_json_from()
        assert (line["type"], line["from"], line["text"]) == (
            "chat", "victim", "He is outside, I can't talk")
    session = in_call[0]
    entry = await sync_to_async(session.incident.log.get)(kind="video.chat_message")
    assert entry.data["text"] == "He is outside, I can't talk"
    await victim.disconnect()
    await officer_socket.disconnect()


async def test_hanging_up_ends_the_call_for_both(in_call, officer, staff_client):
    victim, officer_socket = await _both(in_call, officer, staff_client)

    await victim.send_json_to({"type": "hangup"})

    assert (await officer_socket.receive_json_from())["type"] == "video.ended"
    assert (await victim.receive_json_from())["type"] == "video.ended"
    session = await sync_to_async(VideoSession.objects.select_related("incident").get)(
        pk=in_call[0].pk)
    assert session.status == VideoSession.Status.ENDED and session.ended_by == "victim"
    assert "video.call_ended" in await sync_to_async(log_kinds)(session.incident)


async def test_an_officer_kept_from_her_incident_mid_call_is_cut_off_and_she_is_not_told_why(
        in_call, officer, staff_client):
    victim, officer_socket = await _both(in_call, officer, staff_client)
    session = in_call[0]
    await sync_to_async(named_in_her_incident)(session.incident, officer)

    withdrawn = await sync_to_async(officers_withdraw)(
        message_id=await sync_to_async(lambda: session.incident.contacts.get().message_id)(),
        staff_ids=[officer.pk])

    assert withdrawn == [session.pk]
    assert (await officer_socket.receive_json_from())["type"] == "video.officer_withdrawn"
    assert (await officer_socket.receive_output())["type"] == "websocket.close"
    await officer_socket.disconnect()  # as their browser does, once the server has closed
    assert await victim.receive_json_from() == {"type": "peer.left", "side": "officer"}
    assert await victim.receive_nothing(timeout=0.2)
    await victim.disconnect()


async def test_a_victim_cannot_reconnect_after_the_call_ended(in_call):
    session, cookie = in_call
    await sync_to_async(VideoSession.objects.filter(pk=session.pk).update)(status="ended")

    connected, code = await socket_for(session.pk, "victim", cookie=cookie).connect()

    assert not connected and code == 4403


async def test_a_flood_of_mode_switches_is_refused_before_it_fills_the_log(in_call, settings):
    settings.RVR_MODE_CHANGES_PER_MINUTE = 2
    session, cookie = in_call
    socket = socket_for(session.pk, "victim", cookie=cookie)
    await socket.connect()
    await socket.receive_json_from()

    for audio_only in (True, False, True):
        await socket.send_json_to({"type": "mode", "audio_only": audio_only})

    assert (await socket.receive_json_from(timeout=3))["type"] == "error"
    assert await _events("video_mode_too_frequent") == 1
    kinds = await sync_to_async(log_kinds)(session.incident)
    assert kinds.count("video.mode_changed") == 2
    await socket.disconnect()


# The faster connect: the console's offer came with its Accept (connect_views.py).

async def _accepted_with_offer(waiting, officer, staff_client):
    """She waits on her socket; the officer's console accepts, its offer with it. Her socket
    and the officer's cookie."""
    session, cookie = waiting
    victim = socket_for(session.pk, "victim", cookie=cookie)
    assert (await victim.connect())[0]
    assert (await victim.receive_json_from())["type"] == "welcome"
    client = await sync_to_async(staff_client)(officer)
    response = await sync_to_async(client.post)(
        f"/rvr/sessions/{session.pk}/accept/prepared/", {"offer": OFFER})
    assert response.json()["offered"] is True
    return victim, _staff_cookie(client)


async def _all_taken(victim: WebsocketCommunicator) -> None:
    """Her socket has dealt with all she sent: a chat line comes back after it."""
    await victim.send_json_to({"type": "chat", "text": "still here"})
    assert (await victim.receive_json_from())["type"] == "chat"


def _officer_socket(session_id: int, cookie: str, query: str = "") -> WebsocketCommunicator:
    return WebsocketCommunicator(application, f"/ws/rvr/{session_id}/officer/{query}",
                                 headers=[*HEADERS, (b"cookie", cookie.encode())])


async def test_her_answer_to_the_offer_sent_with_accept_waits_for_the_officers_socket(
        waiting, officer, staff_client):
    victim, cookie = await _accepted_with_offer(waiting, officer, staff_client)
    assert await victim.receive_json_from() == {"type": "offer", "sdp": OFFER}

    # She answers before the officer's socket has joined: nothing is lost.
    await victim.send_json_to({"type": "answer", "sdp": OFFER})
    await victim.send_json_to({"type": "candidate", "candidate": {
        "candidate": HOST, "sdpMid": "0", "sdpMLineIndex": 0}})
    await _all_taken(victim)
    officer_socket = _officer_socket(waiting[0].pk, cookie, "?offered=1")
    assert (await officer_socket.connect())[0]

    assert (await officer_socket.receive_json_from())["type"] == "welcome"
    assert await officer_socket.receive_json_from() == {"type": "answer", "sdp": OFFER}
    relayed = await officer_socket.receive_json_from()
    assert relayed["candidate"]["candidate"] == HOST
    assert await victim.receive_json_from() == {"type": "peer.joined", "side": "officer"}
    # Once the officer is there, what she sends goes straight through.
    await victim.send_json_to({"type": "candidate", "candidate": None})
    assert await officer_socket.receive_json_from() == {"type": "candidate", "candidate": None}
    await victim.disconnect()
    await officer_socket.disconnect()


async def test_a_page_that_did_not_send_that_offer_never_gets_her_answer_to_it(
        waiting, officer, staff_client):
    victim, cookie = await _accepted_with_offer(waiting, officer, staff_client)
    await victim.receive_json_from()
    await victim.send_json_to({"type": "answer", "sdp": OFFER})
    await _all_taken(victim)

    # A reloaded call page makes a new offer: her answer to the old one would break it.
    officer_socket = _officer_socket(waiting[0].pk, cookie)
    assert (await officer_socket.connect())[0]

    assert (await officer_socket.receive_json_from())["type"] == "welcome"
    assert await officer_socket.receive_nothing(timeout=0.3)
    await victim.disconnect()
    await officer_socket.disconnect()
