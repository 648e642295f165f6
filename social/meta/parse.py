"""Meta's webhook payloads (Messenger, Instagram, WhatsApp Cloud API) → the hub's own forms.

One delivery can hold several entries, each with several messages and receipts. An item that
is merely odd (no text, an unsupported type) is skipped with a reason; a field of the wrong
shape or an id not in Meta's format refuses the whole delivery, since ids become the
addresses replies go to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from contact_hub.conversations.intake import InboundMessage, MediaRef
from contact_hub.conversations.services import MessageReceipt
from social.ids import MESSAGE_ID, NUMERIC_ID, WHATSAPP_USER_ID
from social.payload import PayloadError, field_id, field_list, field_object, field_text

PROVIDER = "meta"
MESSAGING_OBJECTS = {"page": "messenger", "instagram": "instagram"}
WHATSAPP_OBJECT = "whatsapp_business_account"
WHATSAPP_MEDIA_TYPES = {"image", "audio", "video", "document", "sticker"}
WHATSAPP_STATUS = {"sent": "sent", "delivered": "delivered", "read": "read", "failed": "failed"}
# Watermarks are milliseconds since 1970; beyond year 9999 is not a time.
MAX_WATERMARK_MS = 253_402_300_799_999


@dataclass
class MetaDelivery:
    messages: list[InboundMessage] = field(default_factory=list)
    receipts: list[MessageReceipt] = field(default_factory=list)
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


def _messaging_entry(entry: dict[str, Any], channel: str, delivery: MetaDelivery) -> None:
    delivery.destinations.add(field_id(entry.get("id"), NUMERIC_ID, "entry id", required=True))
    for event in field_list(entry.get("messaging"), "messaging"):
        _messaging_event(field_object(event, "messaging event"), channel, delivery)


def _messaging_event(event: dict[str, Any], channel: str, delivery: MetaDelivery) -> None:
    sender = field_id(field_object(event.get("sender"), "sender").get("id"), NUMERIC_ID,
                      "sender id")
    field_id(field_object(event.get("recipient"), "recipient").get("id"), NUMERIC_ID,
             "recipient id")
    if "message" in event:
        _messaging_message(field_object(event["message"], "message"), channel, sender, delivery)
    elif "delivery" in event:
        _messaging_receipt("delivered", field_object(event["delivery"], "delivery"), channel,
                           sender, delivery)
    elif "read" in event:
        _messaging_receipt("read", field_object(event["read"], "read"), channel, sender,
                           delivery)
    else:
        delivery.skipped.append("unsupported event")


def _messaging_message(message: dict[str, Any], channel: str, sender: str,
                       delivery: MetaDelivery) -> None:
    if message.get("is_echo"):
        return  # our own reply, echoed back
    mid = field_id(message.get("mid"), MESSAGE_ID, "mid")
    if not mid or not sender:
        delivery.skipped.append("message without mid or sender")
        return
    attachments = field_list(message.get("attachments"), "attachments")
    media = tuple(ref for ref in map(_attachment, attachments) if ref.url)
    text = field_text(message.get("text"), "text")
    if not text and not media:
        delivery.skipped.append("unsupported message type")
        return
    delivery.messages.append(InboundMessage(channel=channel, provider=PROVIDER,
                                            provider_message_id=mid, sender=sender, text=text,
                                            media=media))


def _attachment(item: Any) -> MediaRef:
    item = field_object(item, "attachment")
    url = field_text(field_object(item.get("payload"), "attachment payload").get("url"), "url")
    return MediaRef(url=url, content_type=field_text(item.get("type"), "attachment type"))


def _messaging_receipt(status: str, receipt: dict[str, Any], channel: str, sender: str,
                       delivery: MetaDelivery) -> None:
    mids = tuple(field_id(mid, MESSAGE_ID, "mid", required=True)
                 for mid in field_list(receipt.get("mids"), "mids"))
    watermark = receipt.get("watermark")
    if mids:
        delivery.receipts.append(MessageReceipt(PROVIDER, status, provider_message_ids=mids))
    elif sender and type(watermark) is int and 0 <= watermark <= MAX_WATERMARK_MS:
        delivery.receipts.append(MessageReceipt(PROVIDER, status, channel=channel,
                                                recipient=sender, up_to=_from_ms(watermark)))


def _whatsapp_entry(entry: dict[str, Any], delivery: MetaDelivery) -> None:
    # entry["id"] is the business account's id; nothing reads it, so nothing checks it.
    for change in field_list(entry.get("changes"), "changes"):
        change = field_object(change, "change")
        if change.get("field") != "messages":
            delivery.skipped.append("unsupported field")
            continue
        value = field_object(change.get("value"), "value")
        metadata = field_object(value.get("metadata"), "metadata")
        delivery.destinations.add(field_id(metadata.get("phone_number_id"), NUMERIC_ID,
                                           "phone_number_id", required=True))
        for contact in field_list(value.get("contacts"), "contacts"):
            field_id(field_object(contact, "contact").get("wa_id"), WHATSAPP_USER_ID, "wa_id")
        for message in field_list(value.get("messages"), "messages"):
            _whatsapp_message(field_object(message, "message"), delivery)
        for status in field_list(value.get("statuses"), "statuses"):
            _whatsapp_status(field_object(status, "status"), delivery)


def _whatsapp_status(status: dict[str, Any], delivery: MetaDelivery) -> None:
    wamid = field_id(status.get("id"), MESSAGE_ID, "status id")
    field_id(status.get("recipient_id"), WHATSAPP_USER_ID, "recipient_id")
    mapped = WHATSAPP_STATUS.get(field_text(status.get("status"), "status"))
    if mapped and wamid:
        delivery.receipts.append(MessageReceipt(PROVIDER, mapped, provider_message_ids=(wamid,)))


def _whatsapp_message(message: dict[str, Any], delivery: MetaDelivery) -> None:
    wamid = field_id(message.get("id"), MESSAGE_ID, "message id")
    sender = field_id(message.get("from"), WHATSAPP_USER_ID, "from")
    if not wamid or not sender:
        delivery.skipped.append("message without id or sender")
        return
    kind = field_text(message.get("type"), "type")
    content = _whatsapp_content(kind, message)
    if content is None:
        delivery.skipped.append(f"unsupported message type {kind[:20]}")
        return
    text, media = content
    delivery.messages.append(InboundMessage(channel="whatsapp", provider=PROVIDER,
                                            provider_message_id=wamid, sender=f"+{sender}",
                                            text=text, media=media))


def _whatsapp_content(kind: str, message: dict[str, Any]
                      ) -> tuple[str, tuple[MediaRef, ...]] | None:
    """The text and media of a message of a type we take in; None for other types."""
    if kind == "text":
        return field_text(field_object(message.get("text"), "text").get("body"), "body"), ()
    if kind in WHATSAPP_MEDIA_TYPES:
        item = field_object(message.get(kind), kind)
        media_id = field_id(item.get("id"), NUMERIC_ID, "media id", required=True)
        mime_type = field_text(item.get("mime_type"), "mime_type")
        return field_text(item.get("caption"), "caption"), (
            MediaRef(url=f"whatsapp-media:{media_id}", content_type=mime_type),)
    if kind == "location":
        place = field_object(message.get("location"), "location")
        return f"[location shared: {place.get('latitude')}, {place.get('longitude')}]", ()
    return None


def _from_ms(milliseconds: int) -> datetime:
    return datetime.fromtimestamp(milliseconds / 1000, tz=UTC)
