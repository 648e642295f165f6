"""Placing outbound calls: one interface, backends chosen in settings (like the text backends).

- TwilioCallBackend: places the call through Twilio (contact_hub.sms.twilio).
- DemoCallBackend (embedded default): rings nobody; the call shows on the demo outbox page and
  the handler records what happened with the buttons on the callback page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from contact_hub.conversations.models import OutboxEntry
from contact_hub.conversations.sending import TransportError
from contact_hub.sms.twilio import TwilioCalls


@dataclass(frozen=True)
class OutboundCall:
    to: str
    attempt_id: int
    answer_url: str
    status_url: str
    ring_seconds: int = 30


@dataclass(frozen=True)
class CallReceipt:
    provider: str
    call_sid: str
    status: str


class CallBackend(Protocol):
    provider: str

    def place(self, call: OutboundCall) -> CallReceipt: ...


def call_backend() -> CallBackend:
    return import_string(settings.HUB_CALL_BACKEND)()


class TwilioCallBackend:
    """Rings the caller from the 101 callback number; Twilio fetches the answer URL's TwiML
    (which connects the handler) and reports progress to the status URL."""

    provider = "twilio"

    def place(self, call: OutboundCall) -> CallReceipt:
        calls = TwilioCalls()
        if not calls.is_configured() or not settings.HUB_CALLBACK_FROM_NUMBER:
            raise TransportError("twilio voice not configured", permanent=False)
        placed = calls.place(to=call.to, from_number=settings.HUB_CALLBACK_FROM_NUMBER,
                             answer_url=call.answer_url, status_url=call.status_url,
                             ring_seconds=call.ring_seconds)
        return CallReceipt(self.provider, placed.call_sid, placed.status)


class DemoCallBackend:
    """The demo's phone line: the call lands on the outbox page instead of a phone."""

    provider = "demo"

    def place(self, call: OutboundCall) -> CallReceipt:
        entry = OutboxEntry.objects.create(
            channel="voice", to=call.to,
            body=f"Callback call placed (attempt {call.attempt_id}). In the demo nobody's "
                 "phone rings: record what happened on the callback page.")
        return CallReceipt(self.provider, f"demo-call-{entry.pk}", "ringing")
