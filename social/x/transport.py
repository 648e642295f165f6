"""Sends direct messages through X's API v2; the only place that talks to it."""

from __future__ import annotations

from django.conf import settings

from contact_hub.conversations.sending import OutboundText, ProviderReceipt, TransportError
from social.http import post_json
from social.ids import NUMERIC_ID, id_path_segment


class XDirectMessages:
    provider = "x"

    def is_configured(self) -> bool:
        return bool(settings.X_ACCESS_TOKEN and settings.X_USER_ID)

    def send(self, text: OutboundText) -> ProviderReceipt:
        if not self.is_configured():
            raise TransportError("X is not configured", permanent=True)
        recipient = id_path_segment(text.to, NUMERIC_ID, what="x recipient id")
        url = f"{settings.X_API_BASE}/2/dm_conversations/with/{recipient}/messages"
        answer = post_json(url, {"text": text.body}, token=settings.X_ACCESS_TOKEN,
                           provider="x")
        event_id = (answer.get("data") or {}).get("dm_event_id")
        if not event_id:
            raise TransportError("x answer without id", permanent=True, unknown=True)
        return ProviderReceipt(self.provider, event_id, "sent")
