"""The faster connect's server side: the console's ICE settings before any call, and Accept
answering the console that made the connection ready (officer_connect.js) without a redirect,
its offer sent on to the victim's socket only once the call is the officer's."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from contact_hub.staff.models import SecurityEvent
from rvr.calls import video_check_record
from rvr.connection_check import CheckResult
from rvr.links import video_session_join
from rvr.models import VideoSession
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db
OFFER = ("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
         "a=candidate:1 1 udp 2122260223 192.0.2.2 54400 typ host generation 0\r\n"
         "a=candidate:2 1 udp 41885439 198.51.100.7 50000 typ relay raddr 0.0.0.0 rport 0\r\n")


@pytest.fixture
def waiting_session(sent) -> VideoSession:
    session, token = sent
    video_session_join(token=token)
    return video_check_record(session_id=session.pk, result=CheckResult(30.0, 0.0, 800.0, "good"))


def test_the_console_gets_turn_credentials_named_for_the_officer(officer, staff_client, settings):
    settings.TURN_URLS, settings.TURN_SECRET = ["turn:turn.example.org:3478"], "s3cret"

    data = staff_client(officer).get("/rvr/connect/").json()

    turn = data["ice_servers"][-1]
    assert turn["urls"] == ["turn:turn.example.org:3478"]
    assert turn["username"].endswith(f":officer-{officer.pk}") and turn["credential"]
    assert data["renew_seconds"] == settings.TURN_CREDENTIAL_SECONDS // 2


def test_a_coordinator_gets_no_connection_settings(coordinator, staff_client):
    response = staff_client(coordinator).get("/rvr/connect/")

    assert response.status_code == 403
    assert SecurityEvent.objects.filter(kind="wrong_role").exists()


def _prepared_accept(client, session: VideoSession, **data: str):
    return client.post(f"/rvr/sessions/{session.pk}/accept/prepared/", data)


def _her_socket(session: VideoSession) -> str:
    """A channel in the session's group, standing in for the victim's socket."""
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(session.group, channel)
    return channel


@async_to_sync
async def _received(channel: str) -> list[dict]:
    """What reached that socket's channel from the session's signalling."""
    layer, events = get_channel_layer(), []
    with contextlib.suppress(TimeoutError):
        while True:
            events.append(await asyncio.wait_for(layer.receive(channel), 0.1))
    return [event for event in events if event["type"] == "signal.relay"]


def test_accept_tells_the_prepared_console_where_the_call_is(waiting_session, officer,
                                                            staff_client):
    response = _prepared_accept(staff_client(officer), waiting_session)

    assert response.json() == {"call": f"/rvr/sessions/{waiting_session.pk}/call/",
                               "socket": f"/ws/rvr/{waiting_session.pk}/officer/",
                               "offered": False}
    waiting_session.refresh_from_db()
    assert waiting_session.status == VideoSession.Status.IN_CALL
    assert waiting_session.officer == officer


def test_the_offer_sent_with_accept_goes_to_her_socket_and_says_the_officer_is_coming(
        waiting_session, officer, staff_client):
    her = _her_socket(waiting_session)

    response = _prepared_accept(staff_client(officer), waiting_session, offer=OFFER)

    assert response.json()["offered"] is True
    [relay] = _received(her)
    assert relay["message"] == {"type": "offer", "sdp": OFFER}
    # Only her socket takes it, and it holds her answer until the officer's socket joins.
    assert relay["to"] == "victim" and relay["officer_awaited"] is True


def test_in_relay_only_mode_the_offer_reaches_her_without_the_officers_own_address(
        waiting_session, officer, staff_client, settings):
    settings.TURN_URLS, settings.TURN_SECRET, settings.RVR_RELAY_ONLY = (
        ["turn:turn.example.org:3478"], "s3cret", True)
    her = _her_socket(waiting_session)

    _prepared_accept(staff_client(officer), waiting_session, offer=OFFER)

    [relay] = _received(her)
    assert "192.0.2.2" not in relay["message"]["sdp"]
    assert "typ relay" in relay["message"]["sdp"]


def test_a_malformed_offer_is_not_sent_and_is_recorded(waiting_session, officer, staff_client):
    her = _her_socket(waiting_session)

    response = _prepared_accept(staff_client(officer), waiting_session, offer="not a description")

    # The call is still theirs: the console offers over its socket, where the rules apply again.
    assert response.json()["offered"] is False
    assert _received(her) == []
    assert SecurityEvent.objects.filter(kind="video_signal_malformed").exists()
    waiting_session.refresh_from_db()
    assert waiting_session.officer == officer


def test_accept_without_the_console_still_redirects(waiting_session, officer, staff_client):
    response = staff_client(officer).post(f"/rvr/sessions/{waiting_session.pk}/accept/")

    assert response.status_code == 302
    assert response.url == f"/rvr/sessions/{waiting_session.pk}/call/"


def test_a_call_already_taken_is_refused_to_the_prepared_console(waiting_session, officer,
                                                                 staff_client):
    _prepared_accept(staff_client(officer), waiting_session)
    other = StaffFactory(role=officer.role)

    response = _prepared_accept(staff_client(other), waiting_session)

    assert response.status_code == 409
    assert "no longer waiting" in response.json()["error"]
    waiting_session.refresh_from_db()
    assert waiting_session.officer == officer
