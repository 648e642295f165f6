"""Meta's webhook payloads (Messenger, Instagram, WhatsApp Cloud API) → the hub's own forms.

One delivery can hold several entries, each with several messages and receipts. Parsing never
raises on one odd item: it sorts each into messages, receipts, or skipped items with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from contact_hub.conversations.intake import InboundMessage, MediaRef

MESSAGING_OBJECTS = {"page": "messenger", "instagram": "instagram"}
WHATSAPP_OBJECT = "whatsapp_business_account"
WHATSAPP_MEDIA_TYPES = {"image", "audio", "video", "document", "sticker"}
WHATSAPP_STATUS = {"sent": "sent", "delivered": "delivered", "read": "read", "failed": "failed"}


class PayloadError(ValueError):
    """Not a Meta webhook payload at all."""


@dataclass(frozen=True)
class Receipt:
    """A delivery or read receipt: for given message ids, or for everything up to a time."""

    status: str
    provider_message_ids: tuple[str, ...] = ()
    conversation_user_id: str = ""
    channel: str = ""
    up_to: datetime | None = None


@dataclass
class MetaDelivery:
    messages: list[InboundMessage] = field(default_factory=list)
    receipts: list[Receipt] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # reasons, never content
    destinations: set[str] = field(default_factory=set)


def meta_delivery_parse(payload: dict[str, Any]) -> MetaDelivery:
    kind = payload.get("object")
    entries = payload.get("entry")
    if not isinstance(entries, list):
        raise PayloadError("no entry list")
    delivery = MetaDelivery()
    for entry in entries:
        if not isinstance(entry, dict):
            raise PayloadError("an entry is not an object")
        if kind in MESSAGING_OBJECTS:
            _messaging_entry(entry, MESSAGING_OBJECTS[kind], delivery)
        elif kind == WHATSAPP_OBJECT:
            _whatsapp_entry(entry, delivery)
        else:
            raise PayloadError("unknown object type")
    return delivery


def _messaging_entry(entry: dict, channel: str, delivery: MetaDelivery) -> None:
    delivery.destinations.add(str(entry.get("id", "")))
    for event in entry.get("messaging") or []:
        sender = str((event.get("sender") or {}).get("id", ""))
        if "message" in event:
            _messaging_message(event["message"], channel, sender, delivery)
        elif "delivery" in event:
            mids = tuple(event["delivery"].get("mids") or ())
            delivery.receipts.append(Receipt("delivered", provider_message_ids=mids))
        elif "read" in event:
            watermark = event["read"].get("watermark")
            if isinstance(watermark, int):
                delivery.receipts.append(Receipt("read", conversation_user_id=sender,
                                                 channel=channel, up_to=_from_ms(watermark)))
        else:
            delivery.skipped.append("unsupported event")


def _messaging_message(message: dict, channel: str, sender: str, delivery: MetaDelivery) -> None:
    if message.get("is_echo"):
        return  # our own reply, echoed back
    mid = message.get("mid")
    if not mid or not sender:
        delivery.skipped.append("message without mid or sender")
        return
    media = tuple(
        MediaRef(url=str((a.get("payload") or {}).get("url", "")), content_type=a.get("type", ""))
        for a in message.get("attachments") or [] if (a.get("payload") or {}).get("url"))
    text = message.get("text", "")
    if not text and not media:
        delivery.skipped.append("unsupported message type")
        return
    delivery.messages.append(InboundMessage(channel=channel, provider="meta",
                                            provider_message_id=mid, sender=sender, text=text,
                                            media=media))


def _whatsapp_entry(entry: dict, delivery: MetaDelivery) -> None:
    for change in entry.get("changes") or []:
        value = change.get("value") or {}
        if change.get("field") != "messages":
            delivery.skipped.append("unsupported field")
            continue
        delivery.destinations.add(str((value.get("metadata") or {}).get("phone_number_id", "")))
        for message in value.get("messages") or []:
            _whatsapp_message(message, delivery)
        for status in value.get("statuses") or []:
            mapped = WHATSAPP_STATUS.get(status.get("status", ""))
            if mapped and status.get("id"):
                delivery.receipts.append(Receipt(mapped, provider_message_ids=(status["id"],)))


def _whatsapp_message(message: dict, delivery: MetaDelivery) -> None:
    kind, wamid, sender = message.get("type"), message.get("id"), message.get("from")
    if not wamid or not sender:
        delivery.skipped.append("message without id or sender")
        return
    text, media = "", ()
    if kind == "text":
        text = (message.get("text") or {}).get("body", "")
    elif kind in WHATSAPP_MEDIA_TYPES:
        item = message.get(kind) or {}
        media = (MediaRef(url=f"whatsapp-media:{item.get('id', '')}",
                          content_type=item.get("mime_type", "")),)
        text = item.get("caption", "")
    elif kind == "location":
        place = message.get("location") or {}
        text = f"[location shared: {place.get('latitude')}, {place.get('longitude')}]"
    else:
        delivery.skipped.append(f"unsupported message type {str(kind)[:20]}")
        return
    delivery.messages.append(InboundMessage(channel="whatsapp", provider="meta",
                                            provider_message_id=wamid, sender=f"+{sender}",
                                            text=text, media=media))


def _from_ms(milliseconds: int) -> datetime:
    return datetime.fromtimestamp(milliseconds / 1000, tz=UTC)
