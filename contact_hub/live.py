"""The one way events reach live pages.

Events are notifications, not state: pages re-fetch over HTTP when one arrives, and after any
reconnect, so a lost event never leaves a stale screen. Call `live_event_send` only after commit
(from follow-up work, or via `transaction.on_commit`), so a page never fetches uncommitted state.
Events carry ids and kinds, never message text or identifiers.
"""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

log = logging.getLogger(__name__)

HUB_GROUP = "hub"


def live_event_send(kind: str, *, group: str = HUB_GROUP,
                    **ids: int | str | list[int]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, {"type": "live.event", "kind": kind, **ids})
    except Exception:
        # A channel-layer outage must not fail the work that caused the event; pages re-sync.
        log.warning("live event %s not delivered to group %s", kind, group)
