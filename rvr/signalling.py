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

from rvr.models import CHAT_MAX_CHARS

VICTIM, OFFICER = "victim", "officer"

# type -> the sides that may send it.
SENDERS = {
    "offer": {OFFICER},
    "answer": {VICTIM},
    "candidate": {VICTIM, OFFICER},
    "chat": {VICTIM, OFFICER},
    "mode": {VICTIM, OFFICER},
    "hangup": {VICTIM, OFFICER},
    "check.offer": {VICTIM},
    "callback": {VICTIM},
}
MAX_CANDIDATE_CHARS = 1000


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
    if side not in SENDERS[kind]:
        raise SignalRefused(f"The {side} cannot send {kind}.", kind="not_allowed")
    return VALIDATORS[kind](message)


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
    _exact(message, "audio_only")
    if not isinstance(message.get("audio_only"), bool):
        raise SignalRefused("mode needs audio_only true or false.")
    return {"type": "mode", "audio_only": message["audio_only"]}


VALIDATORS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "hangup": _plain, "callback": _plain,
    "offer": _description, "answer": _description, "check.offer": _description,
    "candidate": _candidate, "chat": _chat, "mode": _mode,
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
