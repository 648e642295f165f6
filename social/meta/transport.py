"""Sends replies through Meta's Graph API; the only place that talks to it."""

from __future__ import annotations

from django.conf import settings

from contact_hub.conversations.sending import OutboundText, ProviderReceipt, TransportError
from social.http import post_json


class WhatsAppCloud:
    provider = "meta"

    def is_configured(self) -> bool:
        return bool(settings.WHATSAPP_TOKEN and settings.WHATSAPP_PHONE_NUMBER_IDS)

    def send(self, text: OutboundText) -> ProviderReceipt:
        if not self.is_configured():
            raise TransportError("WhatsApp is not configured", permanent=True)
        payload: dict = {"messaging_product": "whatsapp", "recipient_type": "individual",
                         "to": text.to.lstrip("+")}
        if text.template:
            payload |= {"type": "template", "template": {
                "name": text.template, "language": {"code": settings.WHATSAPP_TEMPLATE_LANGUAGE}}}
        else:
            payload |= {"type": "text", "text": {"body": text.body, "preview_url": False}}
        url = f"{settings.GRAPH_API_BASE}/{settings.WHATSAPP_PHONE_NUMBER_IDS[0]}/messages"
        answer = post_json(url, payload, token=settings.WHATSAPP_TOKEN, provider="whatsapp")
        try:
            wamid = answer["messages"][0]["id"]
        except (KeyError, IndexError, TypeError) as error:
            raise TransportError("whatsapp answer without id", permanent=True,
                                 unknown=True) from error
        return ProviderReceipt(self.provider, wamid, "sent")


class MetaMessenger:
    """Messenger and Instagram: both reply through the page's Send API."""

    provider = "meta"

    def is_configured(self) -> bool:
        return bool(settings.META_PAGE_ACCESS_TOKEN)

    def send(self, text: OutboundText) -> ProviderReceipt:
        if not self.is_configured():
            raise TransportError("Messenger is not configured", permanent=True)
        payload = {"recipient": {"id": text.to}, "messaging_type": "RESPONSE",
                   "message": {"text": text.body}}
        answer = post_json(f"{settings.GRAPH_API_BASE}/me/messages", payload,
                           token=settings.META_PAGE_ACCESS_TOKEN, provider=text.channel)
        message_id = answer.get("message_id")
        if not message_id:
            raise TransportError(f"{text.channel} answer without id", permanent=True,
                                 unknown=True)
        return ProviderReceipt(self.provider, message_id, "sent")
