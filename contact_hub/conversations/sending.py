"""Sending texts: one interface, backends chosen in settings (like Django's EMAIL_BACKEND).

- OutboxBackend (embedded default): stores the text in the visible demo outbox.
- MemoryBackend (tests): appends to `MemoryBackend.sent`.
- Real providers (Twilio, Meta, X) arrive with their channel adapters, each behind this interface.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Protocol

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class OutboundText:
    channel: str
    to: str
    body: str
    message_id: int


@dataclass(frozen=True)
class ProviderReceipt:
    provider: str
    provider_message_id: str
    status: str


class TransportError(Exception):
    """Sending failed. `permanent` says whether trying again can help."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.permanent = permanent


class TextBackend(Protocol):
    def send(self, text: OutboundText) -> ProviderReceipt: ...


def text_backend() -> TextBackend:
    return import_string(settings.HUB_TEXT_BACKEND)()


class OutboxBackend:
    """The demo's provider: every text lands in the outbox page instead of a phone."""

    provider = "outbox"

    def send(self, text: OutboundText) -> ProviderReceipt:
        from contact_hub.conversations.models import OutboxEntry

        entry = OutboxEntry.objects.create(channel=text.channel, to=text.to, body=text.body)
        return ProviderReceipt(self.provider, f"outbox-{entry.pk}", "delivered")


class MemoryBackend:
    """For tests: remembers what was sent, in this process."""

    provider = "memory"
    sent: ClassVar[list[OutboundText]] = []

    def send(self, text: OutboundText) -> ProviderReceipt:
        MemoryBackend.sent.append(text)
        return ProviderReceipt(self.provider, f"memory-{len(MemoryBackend.sent)}", "sent")
