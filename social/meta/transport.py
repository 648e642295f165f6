"""Sends replies through Meta's Graph API; the only place that talks to it."""

from __future__ import annotations

from django.conf import settings

from contact_hub.conversations.sending import OutboundText, ProviderReceipt, TransportError
from social.http import post_json
from social.ids import NUMERIC_ID, WHATSAPP_USER_ID, id_path_segment, id_valid


class WhatsAppCloud:
    provider = "meta"

    def is_configured(self) -> bool:
        return bool(settings.WHATSAPP_TOKEN and settings.WHATSAPP_PHONE_NUMBER_IDS)

    def send(self, text: OutboundText) -> ProviderReceipt:
        if not self.is_configured():
            raise TransportError("WhatsApp is not configured", permanent=True)
        number_id = id_path_segment(settings.WHATSAPP_PHONE_NUMBER_IDS[0], NUMERIC_ID,
                                    what="whatsapp number id")
        answer = post_json(f"{settings.GRAPH_API_BASE}/{number_id}/messages",
                           _whatsapp_payload(text), token=settings.WHATSAPP_TOKEN,
                           provider="whatsapp")
        try:
            wamid = answer["messages"][0]["id"]
        except (KeyError, IndexError, TypeError) as error:
            raise TransportError("whatsapp answer without id", permanent=True,
                                 unknown=True) from error
        return ProviderReceipt(self.provider, wamid, "sent")


def _whatsapp_payload(text: OutboundText) -> dict:
    to = text.to.removeprefix("+")
    if not id_valid(to, WHATSAPP_USER_ID):
        raise TransportError("whatsapp recipient malformed", permanent=True)
    payload: dict = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to}
    if text.template:
        return payload | {"type": "template", "template": {
            "name": text.template, "language": {"code": settings.WHATSAPP_TEMPLATE_LANGUAGE}}}
    return payload | {"type": "text", "text": {"body": text.body, "preview_url": False}}


class MetaMessenger:
    """Messenger and Instagram: both reply through the page's Send API."""

    provider = "meta"

    def is_configured(self) -> bool:
        return bool(settings.META_PAGE_ACCESS_TOKEN)

    def send(self, text: OutboundText) -> ProviderReceipt:
        if not self.is_configured():
            raise TransportError("Messenger is not configured", permanent=True)
        if not id_valid(text.to, NUMERIC_ID):
            raise TransportError(f"{text.channel} recipient malformed", permanent=True)
        payload = {"recipient": {"id": text.to}, "messaging_type": "RESPONSE",
                   "message": {"text": text.body}}
        answer = post_json(f"{settings.GRAPH_API_BASE}/me/messages", payload,
                           token=settings.META_PAGE_ACCESS_TOKEN, provider=text.channel)
        message_id = answer.get("message_id")
        if not message_id:
            raise TransportError(f"{text.channel} answer without id", permanent=True,
                                 unknown=True)
        return ProviderReceipt(self.provider, message_id, "sent")
