"""Websockets of a three-way call for the interpreter's tests: the victim's, the officer's and
the interpreter's, each admitted as its browser would be."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings

from rvr.calls import video_check_record, video_session_accept
from rvr.connection_check import CheckResult
from rvr.interpreter import INTERPRETER_COOKIE, interpreter_invite, interpreter_join
from rvr.links import video_session_join
from rvr.models import InterpreterInvite, VideoSession
from tests.rvr.peers import socket_for, victim_cookie

OFFER = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
HOST = "candidate:1 1 udp 2122260223 192.0.2.2 54400 typ host generation 0"
RELAY = "candidate:2 1 udp 41885439 198.51.100.7 50000 typ relay raddr 0.0.0.0 rport 0"


@pytest.fixture
def turn_configured(rvr_settings, settings) -> None:
    """A TURN server to relay through: an interpreter can be invited only with one."""
    settings.TURN_URLS, settings.TURN_SECRET = ["turn:127.0.0.1:3478"], "s3cret"


@dataclass
class Call:
    """A call in progress with an interpreter's link used by one browser."""

    session: VideoSession
    invite: InterpreterInvite
    victim_cookie: str
    interpreter_cookie: str


def interpreter_cookie(secret: str) -> str:
    return f"{INTERPRETER_COOKIE}={secret}"


def call_with_interpreter(sent, officer) -> Call:
    session, token = sent
    secret = video_session_join(token=token).browser_secret
    video_check_record(session_id=session.pk, result=CheckResult(30.0, 0.0, 800.0, "good"))
    video_session_accept(session=session, officer=officer)
    invitation = interpreter_invite(session=session, officer=officer)
    joined = interpreter_join(token=invitation.url.rstrip("/").rsplit("/", 1)[1])
    return Call(session, invitation.invite, victim_cookie(secret),
                interpreter_cookie(joined.browser_secret))


def staff_cookie(client) -> str:
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}"


@dataclass
class Sockets:
    victim: WebsocketCommunicator
    officer: WebsocketCommunicator
    interpreter: WebsocketCommunicator

    async def close(self) -> None:
        for socket in (self.victim, self.officer, self.interpreter):
            await socket.disconnect()


async def all_three(call: Call, officer, staff_client) -> Sockets:
    """The victim and the officer connected, then the interpreter, each told the others came."""
    client = await sync_to_async(staff_client)(officer)
    victim = socket_for(call.session.pk, "victim", cookie=call.victim_cookie)
    officer_socket = socket_for(call.session.pk, "officer", cookie=staff_cookie(client))
    interpreter = socket_for(call.session.pk, "interpreter", cookie=call.interpreter_cookie)
    assert (await victim.connect())[0]
    assert (await victim.receive_json_from())["type"] == "welcome"
    assert (await officer_socket.connect())[0]
    assert (await officer_socket.receive_json_from())["type"] == "welcome"
    assert (await victim.receive_json_from())["type"] == "peer.joined"
    assert (await interpreter.connect())[0]
    assert await interpreter.receive_json_from() == {"type": "welcome", "side": "interpreter"}
    for socket in (victim, officer_socket):
        assert await socket.receive_json_from() == {"type": "interpreter.joined"}
    return Sockets(victim, officer_socket, interpreter)
