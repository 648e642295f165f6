"""X's Account Activity webhook payload → the hub's normalised inbound messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from contact_hub.conversations.intake import InboundMessage, MediaRef


class PayloadError(ValueError):
    """Not an X Account Activity payload."""


@dataclass
class XDelivery:
    for_user_id: str
    messages: list[InboundMessage] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def x_delivery_parse(payload: dict[str, Any]) -> XDelivery:
    for_user_id = payload.get("for_user_id")
    if not isinstance(for_user_id, str) or not for_user_id:
        raise PayloadError("no for_user_id")
    delivery = XDelivery(for_user_id)
    events = payload.get("direct_message_events", [])
    if not isinstance(events, list):
        raise PayloadError("direct_message_events is not a list")
    for event in events:
        _dm_event(event, delivery)
    if not events and not any(k.endswith("_events") for k in payload):
        delivery.skipped.append("no events")
    return delivery


def _dm_event(event: Any, delivery: XDelivery) -> None:
    if not isinstance(event, dict) or event.get("type") != "message_create":
        delivery.skipped.append("unsupported event type")
        return
    create = event.get("message_create") or {}
    sender = str(create.get("sender_id", ""))
    if sender == delivery.for_user_id:
        return  # a DM our account sent, echoed back
    data = create.get("message_data") or {}
    media = ()
    attachment = (data.get("attachment") or {}).get("media") or {}
    if attachment.get("media_url_https"):
        media = (MediaRef(url=attachment["media_url_https"],
                          content_type=str(attachment.get("type", ""))),)
    if not event.get("id") or not sender or not (data.get("text") or media):
        delivery.skipped.append("message without id, sender or content")
        return
    delivery.messages.append(InboundMessage(channel="x", provider="x",
                                            provider_message_id=str(event["id"]), sender=sender,
                                            text=data.get("text", ""), media=media))
