"""The connection check: the hub's aiortc peer measures the victim's connection for a few seconds.

The browser connects to a peer running in the ASGI process's event loop, with an unreliable,
unordered data channel (so a lost packet stays lost, as it would for live video) and its camera
track. The peer asks for a paced probe stream, pings every 100 ms, and measures:

- round-trip time: ping to pong over the data channel;
- loss: the worst of lost pings, lost probe messages and lost RTP packets;
- bitrate: bytes received over the transport per second (probe, video and audio together).

Protocol on the "check" channel, JSON text both ways:
    hub -> browser  {"t": "start", "probe_kbps": 600, "seconds": 2.5}
    hub -> browser  {"t": "ping", "n": 7}          browser -> hub  {"t": "pong", "n": 7}
    browser -> hub  {"t": "fill", "n": 41, "pad": "..."}
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
import time
from dataclasses import dataclass

from aiortc import RTCConfiguration, RTCDataChannel, RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaBlackhole
from aiortc.mediastreams import MediaStreamTrack

PROBE_KBPS = 600
PING_SECONDS = 0.1
# Pongs and probe messages still in flight when the window closes are not lost.
GRACE_SECONDS = 0.4

GOOD, AUDIO_ONLY, POOR = "good", "audio_only", "poor"

ADVICE = {
    GOOD: "",
    AUDIO_ONLY: ("Your connection is weak, so video may freeze. You can switch to audio "
                 "only, or move somewhere with Wi-Fi and check again."),
    POOR: ("Your connection is too weak for a call right now. Try moving somewhere with "
           "Wi-Fi and check again, or ask for a call back instead."),
}


@dataclass(frozen=True)
class CheckResult:
    rtt_ms: float | None
    loss_pct: float | None
    bitrate_kbps: float | None
    verdict: str

    @property
    def advice(self) -> str:
        return ADVICE[self.verdict]


def check_verdict(*, rtt_ms: float | None, loss_pct: float | None,
                  bitrate_kbps: float | None) -> str:
    """Good enough for video, for audio only, or too poor for a call."""
    if rtt_ms is None or loss_pct is None or bitrate_kbps is None:
        return POOR
    if rtt_ms < 400 and loss_pct < 5 and bitrate_kbps >= 300:
        return GOOD
    if rtt_ms < 1000 and loss_pct < 15 and bitrate_kbps >= 40:
        return AUDIO_ONLY
    return POOR


NO_CONNECTION = CheckResult(None, None, None, POOR)


class ConnectionCheck:
    """One server peer measuring one browser. Always `close()` it, however the check ends."""

    def __init__(self, configuration: RTCConfiguration, *, seconds: float,
                 timeout: float) -> None:
        self.seconds, self.timeout = seconds, timeout
        self.pc = RTCPeerConnection(configuration)
        self.channel: RTCDataChannel | None = None
        self.opened = asyncio.Event()
        self.sent_at: dict[int, float] = {}
        self.rtts: list[float] = []
        self.fills: set[int] = set()
        self.sink = MediaBlackhole()
        self.pc.on("datachannel", self._on_channel)
        self.pc.on("track", self._on_track)

    async def answer(self, offer_sdp: str) -> str:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        return self.pc.localDescription.sdp

    async def measure(self) -> CheckResult:
        try:
            await asyncio.wait_for(self.opened.wait(), self.timeout)
        except TimeoutError:
            return NO_CONNECTION
        await self.sink.start()
        self._send({"t": "start", "probe_kbps": PROBE_KBPS, "seconds": self.seconds})
        bytes_before, started = await self._bytes_received(), time.monotonic()
        pings = 0
        while time.monotonic() - started < self.seconds:
            self.sent_at[pings] = time.monotonic()
            self._send({"t": "ping", "n": pings})
            pings += 1
            await asyncio.sleep(PING_SECONDS)
        elapsed = time.monotonic() - started
        bytes_after = await self._bytes_received()
        await asyncio.sleep(GRACE_SECONDS)
        return self._result(pings=pings, elapsed=elapsed, received=bytes_after - bytes_before,
                            rtp_loss=await self._rtp_loss_pct())

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.sink.stop()
        await self.pc.close()

    def _result(self, *, pings: int, elapsed: float, received: int,
                rtp_loss: float) -> CheckResult:
        rtt_ms = statistics.median(self.rtts) * 1000 if self.rtts else None
        ping_loss = 100 * (1 - len(self.rtts) / pings) if pings else 100.0
        fill_loss = 100 * (1 - len(self.fills) / (max(self.fills) + 1)) if self.fills else 0.0
        loss = max(ping_loss, fill_loss, rtp_loss)
        bitrate = received * 8 / 1000 / elapsed if elapsed > 0 else None
        verdict = check_verdict(rtt_ms=rtt_ms, loss_pct=loss, bitrate_kbps=bitrate)
        return CheckResult(_round(rtt_ms), _round(loss), _round(bitrate), verdict)

    def _on_channel(self, channel: RTCDataChannel) -> None:
        self.channel = channel
        channel.on("message", self._on_message)
        if channel.readyState == "open":
            self.opened.set()
        else:
            channel.on("open", self.opened.set)

    def _on_track(self, track: MediaStreamTrack) -> None:
        self.sink.addTrack(track)

    def _on_message(self, raw: object) -> None:
        try:
            message = json.loads(raw) if isinstance(raw, str) else {}
            kind, number = message.get("t"), int(message.get("n", -1))
        except (ValueError, TypeError, AttributeError):
            return
        if kind == "pong" and number in self.sent_at:
            self.rtts.append(time.monotonic() - self.sent_at.pop(number))
        elif kind == "fill" and 0 <= number < 1_000_000:
            self.fills.add(number)

    def _send(self, message: dict[str, object]) -> None:
        if self.channel is not None and self.channel.readyState == "open":
            self.channel.send(json.dumps(message))

    async def _bytes_received(self) -> int:
        report = await self.pc.getStats()
        return sum(s.bytesReceived for s in report.values() if s.type == "transport")

    async def _rtp_loss_pct(self) -> float:
        report = await self.pc.getStats()
        streams = [s for s in report.values() if s.type == "inbound-rtp"]
        received = sum(s.packetsReceived for s in streams)
        lost = sum(max(s.packetsLost, 0) for s in streams)
        return 100 * lost / (received + lost) if received + lost else 0.0


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
