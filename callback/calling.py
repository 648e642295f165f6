"""Placing outbound calls: one interface, backends chosen in settings (like the text backends).

- TwilioCallBackend: places the call through Twilio's SDK; the only place that does.
- DemoCallBackend (embedded default): rings nobody; the call shows on the demo outbox page and
  the handler records what happened with the buttons on the callback page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string
from twilio.base.exceptions import TwilioException, TwilioRestException

from contact_hub.conversations.models import OutboxEntry
from contact_hub.conversations.sending import TransportError
from contact_hub.twilio_provider import twilio_client, twilio_configured

# Twilio error codes that say this number can never be called (invalid, not allowed, blocked).
PERMANENT_TWILIO_ERRORS = {13223, 13224, 13225, 13226, 21210, 21211, 21215, 21216, 21217}


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
        if not twilio_configured() or not settings.HUB_CALLBACK_FROM_NUMBER:
            raise TransportError("twilio voice not configured", permanent=False)
        try:
            result = twilio_client().calls.create(
                to=call.to, from_=settings.HUB_CALLBACK_FROM_NUMBER, url=call.answer_url,
                status_callback=call.status_url,
                status_callback_event=["initiated", "ringing", "answered", "completed"],
                machine_detection="Enable", timeout=call.ring_seconds,
            )
        except TwilioRestException as error:
            raise TransportError(f"twilio {error.code}",
                                 permanent=error.code in PERMANENT_TWILIO_ERRORS) from error
        except TwilioException as error:
            raise TransportError("twilio unreachable", permanent=False) from error
        return CallReceipt(self.provider, result.sid, result.status or "queued")


class DemoCallBackend:
    """The demo's phone line: the call lands on the outbox page instead of a phone."""

    provider = "demo"

    def place(self, call: OutboundCall) -> CallReceipt:
        entry = OutboxEntry.objects.create(
            channel="voice", to=call.to,
            body=f"Callback call placed (attempt {call.attempt_id}). In the demo nobody's "
                 "phone rings: record what happened on the callback page.")
        return CallReceipt(self.provider, f"demo-call-{entry.pk}", "ringing")
