"""The rules for signalling messages: which side may send which type, their shape, size and rate.

Everything a browser sends over a session's websocket is checked here before it is relayed to
the other side or acted on; anything else is refused.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings

from rvr.connection import CHOSEN, MODE_REASONS
from rvr.models import CHAT_MAX_CHARS, VideoSession

VICTIM, OFFICER, INTERPRETER = "victim", "officer", "interpreter"

# type -> the sides that may send it.
SENDERS = {
    "offer": {OFFICER},
    "answer": {VICTIM},
    "candidate": {VICTIM, OFFICER},
    "chat": {VICTIM, OFFICER},
    "mode": {VICTIM, OFFICER},
    # What each page measures it receives, for the other (rvr/connection.py).
    "quality": {VICTIM, OFFICER},
    "hangup": {VICTIM, OFFICER},
    "check.offer": {VICTIM},
    "callback": {VICTIM},
    # "He's back" from the victim's discreet control (rvr/suspect_present.py); neutral on the
    # wire, like its label, for whoever looks at her phone.
    "later": {VICTIM},
    # Recording with consent (rvr/recording.py): the console asks, her page answers.
    "recording.ask": {OFFICER},
    "recording.started": {OFFICER},
    "recording.consent": {VICTIM},
}
MAX_CANDIDATE_CHARS = 1000
QUALITY_LEVELS = ("good", "weak", "failing")
MAX_KBPS = 100_000
# The interpreter's own peer connections, one with each of the officer and the victim, beside
# theirs: a message carrying "peer" is for the one end it names, and only these may say so.
# sender -> the ends it may address; type -> who may send it there (the interpreter offers).
PEERS = {INTERPRETER: {OFFICER, VICTIM}, OFFICER: {INTERPRETER}, VICTIM: {INTERPRETER}}
PEER_SENDERS = {"offer": {INTERPRETER}, "answer": {OFFICER, VICTIM},
                "candidate": {INTERPRETER, OFFICER, VICTIM}}


class SignalRefused(ValueError):
    """A message broke the rules. `kind` names the rule for the security event."""

    def __init__(self, reason: str, *, kind: str = "malformed") -> None:
        super().__init__(reason)
        self.kind = kind


def signal_parse(raw: str | bytes | None, *, side: str) -> dict[str, Any]:
    """The message as a dict if it is well-formed and this side may send it."""
    if not isinstance(raw, str):
        raise SignalRefused("Messages are JSON text.")
    if len(raw.encode()) > settings.RVR_SIGNAL_MAX_BYTES:
        raise SignalRefused("The message is too large.", kind="oversized")
    try:
        message = json.loads(raw)
    except ValueError as error:
        raise SignalRefused("The message is not JSON.") from error
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise SignalRefused("A message is an object with a type.")
    kind = message["type"]
    if kind not in SENDERS:
        raise SignalRefused("Unknown message type.")
    if "peer" in message or side == INTERPRETER:
        return _addressed(message, side=side)
    if side not in SENDERS[kind]:
        raise SignalRefused(f"The {side} cannot send {kind}.", kind="not_allowed")
    return VALIDATORS[kind](message)


def _addressed(message: dict[str, Any], *, side: str) -> dict[str, Any]:
    """A message on one of the interpreter's peer connections; the interpreter sends nothing
    else (no chat, mode or hangup)."""
    kind, peer = message["type"], message.pop("peer", None)
    if not isinstance(peer, str) or peer not in PEERS.get(side, set()) or (
            side not in PEER_SENDERS.get(kind, set())):
        raise SignalRefused(f"The {side} cannot send {kind} there.", kind="not_allowed")
    return {**VALIDATORS[kind](message), "peer": peer}


def _exact(message: dict[str, Any], *keys: str) -> None:
    extra = set(message) - {"type", *keys}
    if extra:
        raise SignalRefused("Unexpected fields.")


def _plain(message: dict[str, Any]) -> dict[str, Any]:
    _exact(message)
    return {"type": message["type"]}


def _description(message: dict[str, Any]) -> dict[str, Any]:
    _exact(message, "sdp")
    sdp = message.get("sdp")
    if not isinstance(sdp, str) or not sdp.startswith("v=0"):
        raise SignalRefused("A description needs its SDP.")
    return {"type": message["type"], "sdp": sdp}


def _candidate(message: dict[str, Any]) -> dict[str, Any]:
    _exact(message, "candidate")
    candidate = message.get("candidate")
    if candidate is None:  # the end of the candidates
        return {"type": "candidate", "candidate": None}
    if not isinstance(candidate, dict) or set(candidate) - {
            "candidate", "sdpMid", "sdpMLineIndex", "usernameFragment"}:
        raise SignalRefused("A candidate has candidate, sdpMid and sdpMLineIndex.")
    line = candidate.get("candidate")
    mid = candidate.get("sdpMid")
    index = candidate.get("sdpMLineIndex")
    fragment = candidate.get("usernameFragment")
    valid = (isinstance(line, str) and len(line) <= MAX_CANDIDATE_CHARS
             and (line == "" or line.startswith("candidate:"))
             and (mid is None or (isinstance(mid, str) and len(mid) <= 32))
             and (index is None or (type(index) is int and 0 <= index < 32))
             and (fragment is None or (isinstance(fragment, str) and len(fragment) <= 256)))
    if not valid:
        raise SignalRefused("The candidate is not valid.")
    return {"type": "candidate", "candidate": {"candidate": line, "sdpMid": mid,
                                               "sdpMLineIndex": index,
                                               "usernameFragment": fragment}}


def _chat(message: dict[str, Any]) -> dict[str, Any]:
    _exact(message, "text")
    text = message.get("text")
    if not isinstance(text, str) or not text.strip() or len(text) > CHAT_MAX_CHARS:
        raise SignalRefused(f"A chat message is 1 to {CHAT_MAX_CHARS} characters.")
    return {"type": "chat", "text": text.strip()}


def _mode(message: dict[str, Any]) -> dict[str, Any]:
    """How the call is carried (rvr/connection.py): {"mode": video, audio or chat, "reason",
    "kbps"}, or the older {"audio_only": true or false}, which is video or audio, chosen."""
    if "audio_only" in message:
        _exact(message, "audio_only")
        if not isinstance(message.get("audio_only"), bool):
            raise SignalRefused("mode needs audio_only true or false.")
        mode: Any = "audio" if message["audio_only"] else "video"
        reason: Any = CHOSEN
        kbps = None
    else:
        _exact(message, "mode", "reason", "kbps")
        mode, reason = message.get("mode"), message.get("reason", CHOSEN)
        kbps = _kbps(message.get("kbps"))
        if mode not in VideoSession.Mode.values or reason not in MODE_REASONS:
            raise SignalRefused("mode needs a mode (video, audio or chat) and a known reason.")
    return {"type": "mode", "mode": mode, "audio_only": mode != VideoSession.Mode.VIDEO,
            "reason": reason, "kbps": kbps}


def _quality(message: dict[str, Any]) -> dict[str, Any]:
    """What a page measures it receives: good, weak (video) or failing (audio too); `camera`
    false while its own camera is off, so the other side does not take black for weak."""
    _exact(message, "level", "kbps", "camera")
    level, camera = message.get("level"), message.get("camera", True)
    if level not in QUALITY_LEVELS or not isinstance(camera, bool):
        raise SignalRefused("quality needs a level: good, weak or failing.")
    return {"type": "quality", "level": level, "kbps": _kbps(message.get("kbps")),
            "camera": camera}


def _kbps(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not (
            0 <= value <= MAX_KBPS):
        raise SignalRefused("kbps is a number of kilobits a second.")
    return round(float(value), 1)


def _recording_consent(message: dict[str, Any]) -> dict[str, Any]:
    _exact(message, "agreed")
    if not isinstance(message.get("agreed"), bool):
        raise SignalRefused("recording.consent needs agreed true or false.")
    return {"type": "recording.consent", "agreed": message["agreed"]}


VALIDATORS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "hangup": _plain, "callback": _plain, "later": _plain,
    "offer": _description, "answer": _description, "check.offer": _description,
    "candidate": _candidate, "chat": _chat, "mode": _mode, "quality": _quality,
    "recording.ask": _plain, "recording.started": _plain,
    "recording.consent": _recording_consent,
}


class RateLimit:
    """A token bucket: `burst` messages at once, refilled at `per_second`."""

    def __init__(self, *, burst: int, per_second: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.burst, self.per_second, self.clock = burst, per_second, clock
        self.tokens, self.last = float(burst), clock()

    def allow(self) -> bool:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.per_second)
        self.last = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True
