"""A victim on an incident asking to be called back, from a feature that is not the 101 callback
queue (a video call she cannot continue).

The feature that hears her ask cannot import the callback app (they are sibling layers), so
it calls `incident_callback_ask`, and the callback app registers the function that puts her in
its queue from CallbackConfig.ready() with `callback_asker_register`, the way queue sources
are registered with triage. The asker runs in the caller's transaction, so the request, the
caller's log entry and the incident's flag commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from contact_hub.incidents.models import Incident


@dataclass(frozen=True)
class CallbackAsked:
    """What the asker answers: the request she is now in (made, or one her number already
    had), or why none could be made (safe to show staff and to log: no number in it)."""

    callback_request_id: int | None
    merged: bool = False
    refusal: str = ""


CallbackAsker = Callable[..., CallbackAsked]
_askers: list[CallbackAsker] = []

NO_QUEUE = CallbackAsked(None, refusal="no callback queue is installed")


def callback_asker_register(asker: CallbackAsker) -> None:
    """`asker(incident=, source=, now=)` puts the incident's person in the callback queue;
    there is one queue, so the last registered is the one asked."""
    _askers[:] = [asker]


def incident_callback_ask(*, incident: Incident, source: str, now: datetime) -> CallbackAsked:
    """Ask the callback queue to call the incident's person back; idempotent for the asker
    (asking twice leaves her in one request)."""
    if not _askers:
        return NO_QUEUE
    return _askers[0](incident=incident, source=source, now=now)
