"""An interpreter's link and websocket from the adversaries' side: the interpreter (or whoever
holds the link) sees and hears the call and nothing else, never learns her address, speaks
only on their own peer connections, gets in only with the bound browser, and cannot tell from
a refusal whether the call is still on; another officer cannot invite one; and the link's
token is in no row, no page and no log line."""

from __future__ import annotations

import json
import logging

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers
from django.db import connections
from django.test import Client

from contact_hub.log_redaction import redact
from contact_hub.staff.models import Role, SecurityEvent
from rvr.interpreter import interpreter_invite
from rvr.models import InterpreterInvite
from tests.factories import StaffFactory
from tests.rvr.conftest import in_memory_channel_layer, rvr_settings  # noqa: F401 - autouse
from tests.rvr.interpreter_sockets import (
    HOST,
    OFFER,
    RELAY,
    Call,
    all_three,
    call_with_interpreter,
    interpreter_cookie,
    turn_configured,  # noqa: F401 - fixture
)
from tests.rvr.peers import socket_for, victim_cookie
from tests.security.test_video_link_tokens import every_row, fragments, printed_by_the_hub

VICTIM_HOST = "meet.example.org"
NO_LONGER_ACTIVE = "This link is no longer active."
pytestmark = pytest.mark.usefixtures("turn_configured")


def _events(kind: str) -> int:
    return SecurityEvent.objects.filter(kind=kind).count()


@pytest.fixture
def invited(in_call_session, officer) -> tuple[InterpreterInvite, str]:
    invitation = interpreter_invite(session=in_call_session, officer=officer)
    return invitation.invite, invitation.url.rstrip("/").rsplit("/", 1)[1]


# What the interpreter can read.

@pytest.mark.django_db
def test_the_interpreters_page_and_join_show_nothing_of_her_record(invited, in_call_session):
    _, token = invited
    incident = in_call_session.incident
    number = incident.person.identities.get().value
    message = incident.person.conversations.get().messages.order_by("pk").first().text
    browser = Client()

    page = browser.get(f"/i/{token}/").content.decode()
    joined = browser.post(f"/i/{token}/join/")

    assert joined.status_code == 200
    assert set(joined.json()) == {"socket", "ice_servers", "relay_only"}
    for shown in (page, joined.content.decode()):
        for secret in (incident.reference, number, number[-4:], message, "DOMESTIC",
                       "police", "Contact hub"):
            assert secret not in shown


@pytest.mark.django_db
def test_the_interpreters_cookie_opens_no_staff_page(invited, in_call_session):
    _, token = invited
    browser = Client()
    browser.post(f"/i/{token}/join/")

    for page in (f"/rvr/sessions/{in_call_session.pk}/call/",
                 f"/incidents/{in_call_session.incident.reference}/",
                 f"/people/{in_call_session.incident.person_id}/"):
        response = browser.get(page)
        assert response.status_code in (302, 403, 404), page
        assert in_call_session.incident.reference not in response.content.decode()


@pytest.mark.django_db
def test_a_second_browser_is_refused_clearly_and_recorded(invited):
    _, token = invited
    Client().post(f"/i/{token}/join/")

    refused = Client().post(f"/i/{token}/join/")

    assert refused.status_code == 410
    assert refused.json()["refusal"].startswith(NO_LONGER_ACTIVE)
    assert _events("interpreter_link_second_browser") == 1


@pytest.mark.django_db
def test_a_refusal_does_not_tell_another_browser_whether_the_call_is_on(invited,
                                                                        in_call_session):
    _, token = invited
    Client().post(f"/i/{token}/join/")  # the interpreter's own browser
    holder = Client()  # someone else the link reached
    while_on = holder.get(f"/i/{token}/"), holder.post(f"/i/{token}/join/")

    in_call_session.status = "ended"
    in_call_session.save(update_fields=["status"])
    after = holder.get(f"/i/{token}/"), holder.post(f"/i/{token}/join/")
    unknown = holder.get("/i/" + "x" * 43 + "/"), holder.post("/i/" + "x" * 43 + "/join/")

    for on, off, never in zip(while_on, after, unknown, strict=True):
        assert on.status_code == off.status_code == never.status_code == 410
        assert on.content == off.content == never.content
    assert NO_LONGER_ACTIVE in while_on[0].content.decode()
    for reason in ("second_browser", "ended", "unknown"):  # the real reasons, recorded
        assert _events(f"interpreter_link_{reason}") == 1


@pytest.mark.django_db
def test_a_join_posted_from_another_site_is_refused_and_the_link_kept(invited):
    invite, token = invited

    response = Client().post(f"/i/{token}/join/", HTTP_ORIGIN="https://evil.example")

    assert response.status_code == 403
    invite.refresh_from_db()
    assert invite.browser_hash == "" and invite.joined_at is None


@pytest.mark.django_db
def test_an_ended_or_unknown_link_is_refused_and_recorded(invited, in_call_session):
    _, token = invited

    unknown = Client().post("/i/" + "x" * 43 + "/join/")
    in_call_session.status = "ended"
    in_call_session.save(update_fields=["status"])
    ended = Client().get(f"/i/{token}/")

    assert unknown.status_code == 410 and _events("interpreter_link_unknown") == 1
    assert ended.status_code == 410 and "no longer active" in ended.content.decode()


@pytest.mark.django_db
def test_without_a_turn_server_no_interpreter_can_be_invited(in_call_session, officer,
                                                            staff_client, settings):
    settings.TURN_URLS, settings.TURN_SECRET = [], ""

    response = staff_client(officer).post(f"/rvr/sessions/{in_call_session.pk}/interpreter/")

    assert response.status_code == 400 and "no relay (TURN) server" in response.json()["error"]
    assert _events("video_interpreter_refused") == 1
    assert not InterpreterInvite.objects.exists()


# Who can invite.

@pytest.mark.django_db
def test_another_officer_cannot_invite_an_interpreter_to_the_call(in_call_session,
                                                                  staff_client):
    other = StaffFactory(username="other", role=Role.RVR_OFFICER)

    response = staff_client(other).post(f"/rvr/sessions/{in_call_session.pk}/interpreter/")

    assert response.status_code == 403
    assert _events("video_officer_not_assigned") == 1
    assert not InterpreterInvite.objects.exists()


@pytest.mark.django_db
def test_a_coordinator_cannot_invite_an_interpreter(in_call_session, coordinator,
                                                    staff_client):
    response = staff_client(coordinator).post(
        f"/rvr/sessions/{in_call_session.pk}/interpreter/")

    assert response.status_code == 403
    assert not InterpreterInvite.objects.exists()


@pytest.mark.django_db
def test_the_link_is_shown_once_to_the_officer_and_never_again(in_call_session, officer,
                                                               staff_client):
    client = staff_client(officer)

    link = client.post(f"/rvr/sessions/{in_call_session.pk}/interpreter/").json()["link"]
    token = link.rstrip("/").rsplit("/", 1)[1]
    call_page = client.get(f"/rvr/sessions/{in_call_session.pk}/call/").content.decode()

    assert "Invite an interpreter" in call_page
    for fragment in fragments(token):
        assert fragment not in call_page
        assert fragment not in every_row()


# The token in logs.

@pytest.mark.django_db
def test_no_log_line_and_no_row_holds_the_interpreters_token(in_call_session, officer,
                                                             staff_client, caplog):
    caplog.set_level(logging.DEBUG)
    link = staff_client(officer).post(
        f"/rvr/sessions/{in_call_session.pk}/interpreter/").json()["link"]
    token = link.rstrip("/").rsplit("/", 1)[1]
    Client().get(f"/i/{token}/")
    Client().post(f"/i/{token}/join/")
    Client().post(f"/i/{token}/join/")  # a second browser: refused
    logging.getLogger("django.request").warning("Forbidden: /i/%s/join/", token)

    # Django's own request lines ("Forbidden: /i/<token>/join/", "Gone: ...") carry the path;
    # the hub's formatter redacts them, which `printed` checks. No line of the hub's has it.
    logged = "\n".join(record.getMessage() for record in caplog.records
                       if record.name != "django.request")
    printed = printed_by_the_hub(caplog.records)
    rows = every_row()

    assert token not in logged
    for fragment in fragments(token):
        assert fragment not in printed and fragment not in rows
    assert "/i/[token]/join/" in printed
    assert redact(link) == link.replace(token, "[token]")


# The victim's host.

@pytest.mark.django_db
def test_the_victims_host_serves_the_interpreters_page_and_nothing_more(invited, settings):
    settings.HUB_VICTIM_HOST = VICTIM_HOST
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, VICTIM_HOST]
    _, token = invited
    browser = Client(HTTP_HOST=VICTIM_HOST)

    assert browser.get(f"/i/{token}/").status_code == 200
    assert browser.get("/static/rvr/interpreter.js").status_code != 404
    for elsewhere in ("/staff/login/", f"/i/{token}/other/", "/rvr/"):
        assert browser.get(elsewhere).status_code == 404


# The websocket.

@pytest.fixture
async def fresh_layer():
    yield
    await sync_to_async(connections.close_all)()
    channel_layers.backends.clear()


socket_test = pytest.mark.django_db(transaction=True)


@pytest.fixture
def call(sent, officer) -> Call:
    return call_with_interpreter(sent, officer)


@socket_test
@pytest.mark.parametrize("cookie", ["", interpreter_cookie("guess"), victim_cookie("guess")])
async def test_a_socket_without_the_bound_cookie_is_refused(call, fresh_layer, cookie):
    connected, code = await socket_for(call.session.pk, "interpreter", cookie=cookie).connect()

    assert not connected and code == 4403
    assert await sync_to_async(_events)("video_socket_interpreter_refused") == 1


@socket_test
async def test_the_interpreters_cookie_does_not_open_the_victims_side(call, fresh_layer):
    connected, code = await socket_for(call.session.pk, "victim",
                                       cookie=call.interpreter_cookie).connect()

    assert not connected and code == 4403


@socket_test
async def test_a_revoked_link_no_longer_opens_the_socket(call, officer, fresh_layer):
    await sync_to_async(interpreter_invite)(session=call.session, officer=officer)

    connected, code = await socket_for(call.session.pk, "interpreter",
                                       cookie=call.interpreter_cookie).connect()

    assert not connected and code == 4403


@socket_test
@pytest.mark.parametrize("message", [
    {"type": "chat", "text": "hello"},
    {"type": "chat", "text": "hello", "peer": "victim"},
    {"type": "mode", "audio_only": True},
    {"type": "hangup"},
    {"type": "hangup", "peer": "officer"},
    {"type": "callback"},
    {"type": "check.offer", "sdp": OFFER},
    {"type": "offer", "sdp": OFFER},
    {"type": "offer", "sdp": OFFER, "peer": "interpreter"},
    {"type": "offer", "sdp": OFFER, "peer": ["victim"]},
    {"type": "answer", "sdp": OFFER, "peer": "victim"},
])
async def test_the_interpreter_may_send_only_its_own_offers_and_candidates(
        call, officer, staff_client, fresh_layer, message):
    sockets = await all_three(call, officer, staff_client)

    await sockets.interpreter.send_json_to(message)

    reply = await sockets.interpreter.receive_json_from()
    assert reply["type"] == "error" and "cannot send" in reply["reason"]
    assert await sync_to_async(_events)("video_signal_not_allowed") == 1
    assert await sockets.victim.receive_nothing(timeout=0.2)
    assert await sockets.officer.receive_nothing(timeout=0.1)
    await sockets.close()


@socket_test
@pytest.mark.parametrize(("side", "message"), [
    ("victim", {"type": "offer", "sdp": OFFER, "peer": "interpreter"}),
    ("victim", {"type": "answer", "sdp": OFFER, "peer": "officer"}),
    ("officer", {"type": "chat", "text": "hello", "peer": "interpreter"}),
    ("officer", {"type": "hangup", "peer": "interpreter"}),
    ("officer", {"type": "answer", "sdp": OFFER, "peer": "victim"}),
])
async def test_the_call_cannot_send_the_interpreter_anything_but_its_connections(
        call, officer, staff_client, fresh_layer, side, message):
    sockets = await all_three(call, officer, staff_client)
    sender = getattr(sockets, side)

    await sender.send_to(text_data=json.dumps(message))

    assert (await sender.receive_json_from())["type"] == "error"
    assert await sync_to_async(_events)("video_signal_not_allowed") == 1
    assert await sockets.interpreter.receive_nothing(timeout=0.2)
    await sockets.close()


@socket_test
async def test_the_interpreter_never_learns_her_address_though_the_call_is_not_relay_only(
        call, officer, staff_client, fresh_layer, settings):
    assert settings.RVR_RELAY_ONLY is False
    sockets = await all_three(call, officer, staff_client)
    showing = RELAY.replace("raddr 0.0.0.0 rport 0", "raddr 203.0.113.4 rport 61000")
    answer = (OFFER.replace("127.0.0.1", "203.0.113.4") + "m=video 54400 UDP/TLS/RTP/SAVPF 96"
              f"\r\nc=IN IP4 192.0.2.2\r\na={HOST}\r\na={showing}\r\n")

    await sockets.victim.send_json_to({"type": "answer", "peer": "interpreter", "sdp": answer})
    for line in (HOST, showing):
        await sockets.victim.send_json_to({"type": "candidate", "peer": "interpreter",
                                           "candidate": {"candidate": line, "sdpMid": "0",
                                                         "sdpMLineIndex": 0}})

    heard = [await sockets.interpreter.receive_json_from() for _ in range(2)]
    assert await sockets.interpreter.receive_nothing(timeout=0.2)
    for her_address in ("192.0.2.2", "203.0.113.4"):
        assert her_address not in json.dumps(heard)
    assert heard[1]["candidate"]["candidate"] == RELAY
    await sockets.close()
