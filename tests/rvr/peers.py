"""Real aiortc peers standing in for browsers in tests (no mocks), and websocket helpers."""

from __future__ import annotations

import asyncio
import contextlib
import json

from aiortc import RTCPeerConnection, RTCSessionDescription, VideoStreamTrack
from channels.testing import WebsocketCommunicator

from contact_hub.asgi import application
from rvr.links import BROWSER_COOKIE

HEADERS = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]


def socket_for(session_id: int, side: str, *, cookie: str = "") -> WebsocketCommunicator:
    headers = list(HEADERS)
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    return WebsocketCommunicator(application, f"/ws/rvr/{session_id}/{side}/", headers=headers)


def victim_cookie(secret: str) -> str:
    return f"{BROWSER_COOKIE}={secret}"


class CheckBrowser:
    """The victim's browser in the connection check: a camera track and the check channel.

    `answer_every` answers only every nth ping; `probe_kbps` overrides the rate asked for."""

    def __init__(self, *, answer_every: int = 1, probe_kbps: int | None = None) -> None:
        self.answer_every, self.probe_kbps = answer_every, probe_kbps
        self.pc = RTCPeerConnection()
        self.pc.addTrack(VideoStreamTrack())
        self.channel = self.pc.createDataChannel("check", ordered=False, maxRetransmits=0)
        self.channel.on("message", self._on_message)
        self.probe: asyncio.Task[None] | None = None

    async def offer(self) -> str:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return self.pc.localDescription.sdp

    async def accept(self, sdp: str) -> None:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="answer"))

    async def close(self) -> None:
        if self.probe is not None:
            self.probe.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.probe
        await self.pc.close()

    def _on_message(self, raw: str) -> None:
        message = json.loads(raw)
        if message["t"] == "ping" and message["n"] % self.answer_every == 0:
            self.channel.send(json.dumps({"t": "pong", "n": message["n"]}))
        if message["t"] == "start":
            kbps = self.probe_kbps if self.probe_kbps is not None else message["probe_kbps"]
            self.probe = asyncio.ensure_future(self._send_probe(kbps, message["seconds"]))

    async def _send_probe(self, kbps: int, seconds: float) -> None:
        if kbps <= 0:
            return
        tick = 0.01
        pad = "x" * max(34, int(kbps * 1000 / 8 * tick) - 30)
        loop = asyncio.get_running_loop()
        stop_at, n = loop.time() + seconds + 0.3, 0
        while loop.time() < stop_at and self.channel.readyState == "open":
            self.channel.send(json.dumps({"t": "fill", "n": n, "pad": pad}))
            n += 1
            await asyncio.sleep(tick)


async def run_check(socket: WebsocketCommunicator, browser: CheckBrowser) -> dict:
    """Offer, take the hub's answer, and wait for the result, as victim.js does."""
    await socket.send_json_to({"type": "check.offer", "sdp": await browser.offer()})
    answer = await socket.receive_json_from(timeout=10)
    assert answer["type"] == "check.answer", answer
    await browser.accept(answer["sdp"])
    while True:
        message = await socket.receive_json_from(timeout=20)
        if message["type"] == "check.result":
            return message
