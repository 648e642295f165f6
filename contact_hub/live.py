"""The one way events reach live pages.

Events are notifications, not state: pages re-fetch over HTTP when one arrives, and after any
reconnect, so a lost event never leaves a stale screen. `live_event_send` waits for the
transaction it is called in to commit (and sends at once outside one), so a page never fetches
uncommitted state and callers never wrap it. Events carry ids and kinds, never message text or
identifiers; every kind is named in `LiveEvent`.
"""

from __future__ import annotations

import logging
from enum import StrEnum

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

log = logging.getLogger(__name__)

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
    LOOK_FLAGGED = "look.flagged"
    CALLBACK_CHANGED = "callback.changed"
    RVR_CHANGED = "rvr.changed"
    VIDEO_CHANGED = "video.changed"
    VIDEO_WAITING = "video.waiting"
    VIDEO_ACCEPTED = "video.accepted"
    VIDEO_ENDED = "video.ended"
    VIDEO_REVOKED = "video.revoked"
    VIDEO_CALLBACK_REQUESTED = "video.callback_requested"
    VIDEO_OUTCOME = "video.outcome"
    VIDEO_SECOND_BROWSER = "video.second_browser"


def live_event_send(kind: LiveEvent, *, group: str = HUB_GROUP,
                    **ids: int | str | list[int]) -> None:
    """Send after the current transaction commits (nothing is sent if it rolls back)."""
    kind = LiveEvent(kind)
    transaction.on_commit(lambda: _send(kind, group, ids))


def _send(kind: LiveEvent, group: str, ids: dict[str, int | str | list[int]]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, {"type": "live.event", "kind": str(kind), **ids})
    except Exception:
        # A channel-layer outage must not fail the work that caused the event; pages re-sync.
        log.warning("live event %s not delivered to group %s", kind, group)
