"""X's Account Activity webhook payload → the hub's normalised inbound messages.

Every X id in a delivery (the account it is for, each event, sender and recipient) must be in
X's own form, or the whole delivery is refused: a sender id becomes the address replies go to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from contact_hub.conversations.intake import InboundMessage, MediaRef
from social.ids import NUMERIC_ID
from social.payload import field_id, field_list, field_object, field_text

PROVIDER = "x"


@dataclass
class XDelivery:
    for_user_id: str
    messages: list[InboundMessage] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def x_delivery_parse(payload: dict[str, Any]) -> XDelivery:
    delivery = XDelivery(field_id(payload.get("for_user_id"), NUMERIC_ID, "for_user_id",
                                  required=True))
    events = field_list(payload.get("direct_message_events"), "direct_message_events")
    for event in events:
        _dm_event(event, delivery)
    if not events and not any(k.endswith("_events") for k in payload):
        delivery.skipped.append("no events")
    return delivery


def _dm_event(event: Any, delivery: XDelivery) -> None:
    if not isinstance(event, dict) or event.get("type") != "message_create":
        delivery.skipped.append("unsupported event type")
        return
    event_id = field_id(event.get("id"), NUMERIC_ID, "event id")
    create = field_object(event.get("message_create"), "message_create")
    sender = field_id(create.get("sender_id"), NUMERIC_ID, "sender_id")
    target = field_object(create.get("target"), "target")
    field_id(target.get("recipient_id"), NUMERIC_ID, "recipient_id")
    if sender == delivery.for_user_id:
        return  # a DM our account sent, echoed back
    data = field_object(create.get("message_data"), "message_data")
    text, media = field_text(data.get("text"), "text"), _media(data)
    if not event_id or not sender or not (text or media):
        delivery.skipped.append("message without id, sender or content")
        return
    delivery.messages.append(InboundMessage(channel="x", provider=PROVIDER,
                                            provider_message_id=event_id, sender=sender,
                                            text=text, media=media))


def _media(data: dict[str, Any]) -> tuple[MediaRef, ...]:
    attachment = field_object(data.get("attachment"), "attachment")
    media = field_object(attachment.get("media"), "media")
    url = field_text(media.get("media_url_https"), "media_url_https")
    if not url:
        return ()
    return (MediaRef(url=url, content_type=str(media.get("type", ""))),)
