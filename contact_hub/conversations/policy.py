"""Channel rules that decide whether a text may be queued at all, with a reason staff can act on."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

from contact_hub.conversations.models import Channel, Conversation, Message, MessageTemplate
from contact_hub.conversations.sending import text_backend

META_CHANNELS = {Channel.WHATSAPP, Channel.MESSENGER, Channel.INSTAGRAM}


def send_refusal(conversation: Conversation, template: MessageTemplate | None,
                 *, now: datetime) -> str | None:
    """Why this text cannot be sent on this conversation's channel, or None."""
    channel = Channel(conversation.channel)
    if channel not in settings.HUB_TEXT_BACKENDS:
        return f"Texts cannot be sent on {channel.label}."
    if not text_backend(channel).is_configured():
        return f"{channel.label} is not set up on this hub, so nothing can be sent on it."
    if channel == Channel.SMS and conversation.identity.opted_out_at is not None:
        return ("This number has opted out of texts (they sent STOP). They can text START "
                "to opt back in; until then, use another channel.")
    if channel in META_CHANNELS and not reply_window_open(conversation, now=now):
        return _closed_window_refusal(channel, template)
    return None


def reply_window_open(conversation: Conversation, *, now: datetime) -> bool:
    """Meta allows free-form replies only within 24 hours of the person's last message."""
    since = now - timedelta(hours=settings.HUB_META_REPLY_WINDOW_HOURS)
    return Message.objects.filter(conversation=conversation, direction=Message.Direction.INBOUND,
                                  created_at__gte=since).exists()


def _closed_window_refusal(channel: Channel, template: MessageTemplate | None) -> str | None:
    if channel == Channel.WHATSAPP:
        if template is not None and template.whatsapp_name:
            return None
        return ("WhatsApp only allows a free-form reply within 24 hours of the person's last "
                "message. Send an approved template instead, or use another channel.")
    return (f"{channel.label} only allows replies within 24 hours of the person's last "
            "message. Use another channel, or wait for them to write again.")
