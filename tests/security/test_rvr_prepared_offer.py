"""The offer a console sends with Accept (the faster connect), from the adversaries' side: it
reaches her only from the officer whose Accept took the call, only then, only to her socket,
and only if it keeps the signalling rules; an officer who did not take the call, a coordinator,
a forged form and the accepting officer trying again all push nothing to her; and her answer to
it, held until the officer's socket joins, goes to no one else, and no more than an answer
needs is held."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.test import Client

from contact_hub.asgi import application
from contact_hub.staff.models import SecurityEvent
from rvr.consumers import HELD_MOST
from rvr.models import VideoSession
from tests.factories import StaffFactory
from tests.rvr.peers import HEADERS, socket_for

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("close_thread_connections")]
OFFER = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
HOST = "candidate:1 1 udp 2122260223 192.0.2.2 54400 typ host generation 0"


async def _her_socket(waiting) -> WebsocketCommunicator:
    session, cookie = waiting
    socket = socket_for(session.pk, "victim", cookie=cookie)
    assert (await socket.connect())[0]
    assert (await socket.receive_json_from())["type"] == "welcome"
    return socket


async def _accept_with(client: Client, session: VideoSession, sdp: str = OFFER):
    return await sync_to_async(client.post)(f"/rvr/sessions/{session.pk}/accept/prepared/",
                                            {"offer": sdp})


def _cookie(client: Client) -> str:
    name = django_settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}"


async def _events(kind: str) -> int:
    return await sync_to_async(SecurityEvent.objects.filter(kind=kind).count)()


async def test_an_officer_who_did_not_take_the_call_pushes_nothing_to_her(
        waiting, officer, staff_client):
    her = await _her_socket(waiting)
    await _accept_with(await sync_to_async(staff_client)(officer), waiting[0])
    assert (await her.receive_json_from())["type"] == "offer"
    other = await sync_to_async(StaffFactory)(role=officer.role)

    response = await _accept_with(await sync_to_async(staff_client)(other), waiting[0],
                                  OFFER + "a=his-own\r\n")

    assert response.status_code == 409
    assert await her.receive_nothing(timeout=0.3)
    await her.disconnect()


async def test_the_officer_who_took_it_cannot_send_another_offer_through_accept(
        waiting, officer, staff_client):
    her = await _her_socket(waiting)
    client = await sync_to_async(staff_client)(officer)
    await _accept_with(client, waiting[0])
    await her.receive_json_from()

    response = await _accept_with(client, waiting[0], OFFER + "a=again\r\n")

    assert response.status_code == 409
    assert await her.receive_nothing(timeout=0.3)
    await her.disconnect()


async def test_a_coordinator_cannot_accept_with_an_offer(waiting, coordinator, staff_client):
    her = await _her_socket(waiting)

    response = await _accept_with(await sync_to_async(staff_client)(coordinator), waiting[0])

    assert response.status_code == 403
    assert await _events("wrong_role") == 1
    assert await her.receive_nothing(timeout=0.3)
    session = await sync_to_async(VideoSession.objects.get)(pk=waiting[0].pk)
    assert session.status == VideoSession.Status.WAITING and session.officer_id is None
    await her.disconnect()


async def test_a_forged_accept_without_the_csrf_token_pushes_nothing(waiting, officer,
                                                                     staff_client):
    her = await _her_socket(waiting)
    forged = Client(enforce_csrf_checks=True)
    forged.cookies = (await sync_to_async(staff_client)(officer)).cookies

    response = await _accept_with(forged, waiting[0])

    assert response.status_code == 403
    assert await her.receive_nothing(timeout=0.3)
    session = await sync_to_async(VideoSession.objects.get)(pk=waiting[0].pk)
    assert session.officer_id is None
    await her.disconnect()


@pytest.mark.parametrize(("sdp", "kind"), [
    ("not a description", "video_signal_malformed"),
    ("v=0" + "a" * 100_000, "video_signal_oversized"),
])
async def test_an_offer_that_breaks_the_signalling_rules_is_recorded_not_relayed(
        waiting, officer, staff_client, sdp, kind):
    her = await _her_socket(waiting)

    response = await _accept_with(await sync_to_async(staff_client)(officer), waiting[0], sdp)

    assert response.json()["offered"] is False
    assert await _events(kind) == 1
    assert await her.receive_nothing(timeout=0.3)
    await her.disconnect()


async def _all_taken(her: WebsocketCommunicator) -> None:
    """Her socket has dealt with all she sent: a chat line comes back after it."""
    await her.send_json_to({"type": "chat", "text": "still here"})
    assert (await her.receive_json_from())["type"] == "chat"


def _officer_socket(session_id: int, cookie: str) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, f"/ws/rvr/{session_id}/officer/?offered=1",
                                 headers=[*HEADERS, (b"cookie", cookie.encode())])


async def test_her_socket_holds_back_no_more_than_an_answer_needs(waiting, officer,
                                                                  staff_client):
    her = await _her_socket(waiting)
    client = await sync_to_async(staff_client)(officer)
    await _accept_with(client, waiting[0])
    await her.receive_json_from()

    # Whoever holds her page sends on and on before the officer's socket comes.
    for _ in range(HELD_MOST + 10):
        await her.send_json_to({"type": "candidate", "candidate": {
            "candidate": HOST, "sdpMid": "0", "sdpMLineIndex": 0}})
    await _all_taken(her)
    mine = _officer_socket(waiting[0].pk, _cookie(client))
    assert (await mine.connect())[0]
    await mine.receive_json_from()  # welcome

    for _ in range(HELD_MOST):
        assert (await mine.receive_json_from())["type"] == "candidate"
    assert await mine.receive_nothing(timeout=0.3)
    await her.disconnect()
    await mine.disconnect()


async def test_her_held_answer_reaches_no_officer_but_the_one_who_took_the_call(
        waiting, officer, staff_client):
    her = await _her_socket(waiting)
    await _accept_with(await sync_to_async(staff_client)(officer), waiting[0])
    await her.receive_json_from()
    await her.send_json_to({"type": "answer", "sdp": OFFER})
    await _all_taken(her)
    other = await sync_to_async(StaffFactory)(role=officer.role)
    intruder = _officer_socket(waiting[0].pk,
                               _cookie(await sync_to_async(staff_client)(other)))

    connected, code = await intruder.connect()

    assert not connected and code == 4403
    assert await _events("video_officer_not_assigned") == 1
    # Still held: the officer who took the call gets it when their socket joins.
    mine = _officer_socket(waiting[0].pk, _cookie(await sync_to_async(staff_client)(officer)))
    assert (await mine.connect())[0]
    assert (await mine.receive_json_from())["type"] == "welcome"
    assert await mine.receive_json_from() == {"type": "answer", "sdp": OFFER}
    await her.disconnect()
    await mine.disconnect()
