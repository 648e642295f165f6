"""Sending texts: one interface, backends chosen in settings (like Django's EMAIL_BACKEND).

- OutboxBackend (embedded default): stores the text in the visible demo outbox.
- MemoryBackend (tests): appends to `MemoryBackend.sent`.
- Real providers, one module each: contact_hub.sms.twilio (Twilio), social.meta.transport
  (WhatsApp Cloud API, Messenger and Instagram), social.x.transport (X direct messages).

A backend whose provider has no credentials is off: `is_configured()` says so, and the hub
refuses to queue texts for it with that reason instead of failing later.

A stored text may stand in for a secret that only the person's phone may receive (a video
link's token): the feature that sent it registers a source of the text as sent
(`sent_text_register`), and the backend is handed `text_as_sent(message)`, never the stored one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from contact_hub.conversations.models import Message, OutboxEntry


@dataclass(frozen=True)
class OutboundText:
    channel: str
    to: str
    body: str
    message_id: int
    # An approved template's name, for channels that only allow templates at times (WhatsApp).
    template: str = ""


@dataclass(frozen=True)
class ProviderReceipt:
    provider: str
    provider_message_id: str
    status: str


class TransportError(Exception):
    """Sending failed. `permanent` says whether trying again can help; `unknown` that the
    provider may have sent it anyway, so a person must check before it is sent again."""

    def __init__(self, reason: str, *, permanent: bool, unknown: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent
        self.unknown = unknown


class TextBackend(Protocol):
    def is_configured(self) -> bool: ...

    def send(self, text: OutboundText) -> ProviderReceipt: ...


# The text of a message as the provider must send it, or None for a message the source does
# not own. Sources are the features above this layer (rvr.apps registers the video link's).
SentTextSource = Callable[[Message], str | None]
_sent_text_sources: list[SentTextSource] = []


def sent_text_register(source: SentTextSource) -> None:
    if source not in _sent_text_sources:
        _sent_text_sources.append(source)


def text_as_sent(message: Message) -> str:
    """What the provider is handed: the stored text, unless a source fills in what the stored
    text only names (a source may raise TransportError when it no longer can)."""
    for source in _sent_text_sources:
        text = source(message)
        if text is not None:
            return text
    return message.text


def text_backend(channel: str) -> TextBackend:
    return import_string(settings.HUB_TEXT_BACKEND or settings.HUB_TEXT_BACKENDS[channel])()


def outbox_enabled() -> bool:
    return settings.HUB_TEXT_BACKEND.endswith(".OutboxBackend")


class OutboxBackend:
    """The demo's provider: every text lands in the outbox page instead of a phone."""

    provider = "outbox"

    def is_configured(self) -> bool:
        return True

    def send(self, text: OutboundText) -> ProviderReceipt:
        entry = OutboxEntry.objects.create(channel=text.channel, to=text.to, body=text.body)
        return ProviderReceipt(self.provider, f"outbox-{entry.pk}", "delivered")


class MemoryBackend:
    """For tests: remembers what was sent, in this process."""

    provider = "memory"
    sent: ClassVar[list[OutboundText]] = []

    def is_configured(self) -> bool:
        return True

    def send(self, text: OutboundText) -> ProviderReceipt:
        MemoryBackend.sent.append(text)
        return ProviderReceipt(self.provider, f"memory-{len(MemoryBackend.sent)}", "sent")
