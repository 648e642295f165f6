"""The one way events reach live pages.

Events are notifications, not state: pages re-fetch over HTTP when one arrives, and after any
reconnect, so a lost event never leaves a stale screen. `live_event_send` waits for the
transaction it is called in to commit (and sends at once outside one), so a page never fetches
uncommitted state and callers never wrap it. Events carry ids and kinds, never message text or
identifiers; every kind is named in `LiveEvent`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from enum import StrEnum
from typing import Any

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction

log = logging.getLogger(__name__)

# The channel layer (settings.CHANNEL_LAYERS) these events go through.
LIVE_LAYER = "live"
HUB_GROUP = "hub"
# Professional standards' pages: flagged looks, referrals, held staff texts.
CONDUCT_GROUP = "conduct"


class LiveEvent(StrEnum):
    MESSAGES_RECEIVED = "messages.received"
    MESSAGE_STATUS = "message.status"
    QUEUE_CHANGED = "queue.changed"
    INCIDENT_CHANGED = "incident.changed"
    INCIDENTS_ESCALATED = "incidents.escalated"
    ALERT_RAISED = "alert.raised"
    ALERT_ACKNOWLEDGED = "alert.acknowledged"
    MARKER_CHANGED = "marker.changed"
    REFERRAL_OPENED = "referral.opened"
    REFERRAL_CHANGED = "referral.changed"
    LOOK_FLAGGED = "look.flagged"
    CONDUCT_HELD = "conduct.held"
    DIP_SAMPLE_VERDICT = "dip_sample.verdict"
    CALLBACK_CHANGED = "callback.changed"
    RVR_CHANGED = "rvr.changed"
    RVR_AVAILABILITY = "rvr.availability"
    VIDEO_CHANGED = "video.changed"
    VIDEO_WAITING = "video.waiting"
    VIDEO_ACCEPTED = "video.accepted"
    VIDEO_ENDED = "video.ended"
    VIDEO_REVOKED = "video.revoked"
    # The call's officer was kept from her incident: their console's socket closes.
    VIDEO_OFFICER_WITHDRAWN = "video.officer_withdrawn"
    VIDEO_CALLBACK_REQUESTED = "video.callback_requested"
    VIDEO_OUTCOME = "video.outcome"
    VIDEO_SECOND_BROWSER = "video.second_browser"
    # The victim signalled that the suspect is back (rvr/suspect_present.py).
    VIDEO_SUSPECT_PRESENT = "video.suspect_present"
    # To a call's own websockets (rvr/interpreter.py).
    INTERPRETER_INVITED = "interpreter.invited"
    INTERPRETER_REVOKED = "interpreter.revoked"
    # The victim shared her location or a photo or file (to the session's own websockets).
    VIDEO_SHARED = "video.shared"
    VIDEO_RECORDING = "video.recording"
    # The console stopped recording before the call ended (rvr/recording.py).
    VIDEO_RECORDING_STOPPED = "video.recording_stopped"
    # Rows the dashboard shows, pushed rendered (live_rows_send).
    QUEUE_ROWS = "queue.rows"


def live_event_send(kind: LiveEvent, *, group: str = HUB_GROUP,
                    **ids: int | str | list[int]) -> None:
    """Send after the current transaction commits (nothing is sent if it rolls back)."""
    kind = LiveEvent(kind)
    transaction.on_commit(lambda: _layer_send(
        group, {"type": "live.event", "kind": str(kind), **ids}, kind))


def live_rows_send(kind: LiveEvent, *, rows: list[dict[str, Any]], group: str = HUB_GROUP,
                   **extra: Any) -> None:
    """Rows a page shows, rendered once for every page of the group, sent after commit like
    every event. Unlike the others they carry what the rows show (message text among it), so
    that a busy queue costs one render per row, not one fetch per open page. They reach
    consumers as "live.rows", which the consumer never passes on whole: it gives each page only
    the rows its reader may see (consumers.HubConsumer.event_take). Never logged.

    In a web request they are handed to the server's event loop and the request goes on: the
    intake of every new contact sends them, and waiting for the loop (busy with every other
    request) would hold the next text back. Elsewhere (a worker) they are sent before this
    returns."""
    kind = LiveEvent(kind)
    message = {"type": "live.rows", "kind": str(kind), "rows": rows, **extra}
    transaction.on_commit(lambda: _group_send(group, message, kind))


def _group_send(group: str, message: dict[str, Any], kind: LiveEvent) -> None:
    layer = get_channel_layer(LIVE_LAYER)
    if layer is None:
        return
    loop = _server_loop()
    if loop is not None:
        loop.call_soon_threadsafe(_rows_gather, layer, group, message, kind)
    else:
        _layer_send(group, message, kind)


def _layer_send(group: str, message: dict[str, Any], kind: LiveEvent) -> None:
    """To every process with pages in the group (live_pages reads it there), waiting until it
    is sent. The message names its group: a process's one channel is in every group."""
    layer = get_channel_layer(LIVE_LAYER)
    if layer is None:
        return
    try:
        _layer_run(layer, group, {**message, "group": group})
    except Exception:
        # A channel-layer outage must not fail the work that caused the event; pages re-sync.
        log.warning("live event %s not delivered to group %s", kind, group)


def _layer_run(layer: Any, group: str, message: dict[str, Any]) -> None:
    if isinstance(layer, InMemoryChannelLayer):
        # Its queues belong to the loop of the pages reading them: async_to_sync runs this
        # there (the embedded hub's one server loop).
        async_to_sync(layer.group_send)(group, message)
        return
    # Redis: on this process's own sending loop, whose connections stay open (async_to_sync
    # would make a loop, a thread and a connection for each event, on a worker, which sends
    # many).
    sending = asyncio.run_coroutine_threadsafe(layer.group_send(group, message),
                                               _sending_loop())
    try:
        sending.result(timeout=SEND_SECONDS)
    except BaseException:
        # Late is stale: a send that timed out is not left to go out later.
        sending.cancel()
        raise


# A worker process's loop for sending events, with the pid it was started in; a forked child
# starts its own (os.register_at_fork below).
_sending: tuple[int, asyncio.AbstractEventLoop] | None = None
_sending_lock = threading.Lock()
SEND_SECONDS = 10.0


def _sending_loop() -> asyncio.AbstractEventLoop:
    global _sending
    with _sending_lock:
        if _sending is None or _sending[0] != os.getpid():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="live-events", daemon=True).start()
            _sending = (os.getpid(), loop)
        return _sending[1]


def _sending_forget() -> None:
    """In a forked child: the parent's loop thread is not there, and its lock may be held."""
    global _sending, _sending_lock
    _sending, _sending_lock = None, threading.Lock()


os.register_at_fork(after_in_child=_sending_forget)

# Rows handed to the server's loop and not yet sent, in order, by loop and group; and the one
# send under way for each (so they go out in the order they came). Only the loop's own thread
# touches them.
_RowsKey = tuple[asyncio.AbstractEventLoop, str]
_rows_waiting: dict[_RowsKey, list[dict[str, Any]]] = {}
_rows_senders: dict[_RowsKey, asyncio.Task] = {}
# The most rows one event carries: a backlog goes out in events of this size.
ROWS_MOST = 100
# After a group's rows go out from a process, those handed over within this long wait for it
# to pass and go together: a lone row goes at once, and a busy hub publishes to a group at
# most this often per process, rather than once for each new text, each publish costing the
# sending request's process and every process with pages as much as many rows.
ROWS_GAP_SECONDS = 0.01


def _rows_gather(layer: Any, group: str, message: dict[str, Any], kind: LiveEvent) -> None:
    """On the loop: rows go out at its next turn, or, while a send is under way, in the next,
    together with those handed over after them that carry the same rest (a busy hub sends one
    event for many rows, not one each)."""
    key = (asyncio.get_running_loop(), group)
    waiting = _rows_waiting.setdefault(key, [])
    rest = {k: v for k, v in message.items() if k != "rows"}
    if waiting and {k: v for k, v in waiting[-1].items() if k != "rows"} == rest:
        waiting[-1]["rows"].extend(message["rows"])
    else:
        waiting.append({**message, "rows": list(message["rows"])})
    sender = _rows_senders.get(key)
    # One cancelled with its loop's last tasks (a loop stopping in its gap) sends nothing more.
    if sender is None or sender.done():
        _rows_senders[key] = asyncio.ensure_future(_rows_send(layer, key, kind))


async def _rows_send(layer: Any, key: _RowsKey, kind: LiveEvent) -> None:
    await asyncio.sleep(0)  # rows handed over in the meantime go with these
    group = key[1]
    while True:
        waiting = _rows_waiting.get(key)
        if not waiting:
            # No await since the check: rows handed over from now on start a new send.
            _rows_waiting.pop(key, None)
            del _rows_senders[key]
            return
        while waiting:
            await _rows_message_send(layer, group, waiting.pop(0), kind)
        await asyncio.sleep(ROWS_GAP_SECONDS)


async def _rows_message_send(layer: Any, group: str, message: dict[str, Any],
                             kind: LiveEvent) -> None:
    rows = message["rows"]
    try:
        for start in range(0, len(rows), ROWS_MOST):
            await asyncio.wait_for(layer.group_send(group, {
                **message, "rows": rows[start:start + ROWS_MOST], "group": group}),
                SEND_SECONDS)
    except Exception:
        log.warning("live event %s not delivered to group %s", kind, group)


def _server_loop() -> asyncio.AbstractEventLoop | None:
    """The ASGI server's event loop, when this is one of its request threads (asgiref notes
    it for its own async_to_sync), else None."""
    local = SyncToAsync.threadlocal
    if getattr(local, "main_event_loop_pid", None) != os.getpid():
        return None
    loop = getattr(local, "main_event_loop", None)
    if loop is None or not loop.is_running() or _running_loop() is loop:
        return None
    return loop


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
