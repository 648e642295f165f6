"""Twilio's messaging webhook form fields → the hub's normalised inbound message."""

from __future__ import annotations

from django.http import QueryDict

from contact_hub.conversations.intake import InboundMessage, MediaRef

MAX_MEDIA = 10


class PayloadError(ValueError):
    """The form is not a Twilio messaging webhook; the reason is safe to log."""


def inbound_sms_parse(form: QueryDict) -> InboundMessage:
    sid = form.get("MessageSid") or form.get("SmsSid") or ""
    sender = form.get("From", "")
    if not sid.startswith(("SM", "MM")) or not sender:
        raise PayloadError("missing MessageSid or From")
    try:
        media_count = int(form.get("NumMedia", "0") or 0)
    except ValueError as error:
        raise PayloadError("NumMedia is not a number") from error
    if not 0 <= media_count <= MAX_MEDIA:
        raise PayloadError("NumMedia out of range")
    media = tuple(
        MediaRef(url=form.get(f"MediaUrl{n}", ""),
                 content_type=form.get(f"MediaContentType{n}", ""))
        for n in range(media_count)
    )
    if any(not ref.url for ref in media):
        raise PayloadError("a MediaUrl is missing")
    return InboundMessage(channel="sms", provider="twilio", provider_message_id=sid,
                          sender=sender, text=form.get("Body", ""), media=media)


# Twilio's message statuses → the hub's delivery statuses. Twilio's own pre-send steps are all
# "sent" to us: the text has been handed to the provider.
STATUS_MAP = {
    "accepted": "sent", "scheduled": "sent", "queued": "sent", "sending": "sent", "sent": "sent",
    "delivered": "delivered", "undelivered": "undelivered", "failed": "failed", "read": "read",
    "canceled": "cancelled",
}
