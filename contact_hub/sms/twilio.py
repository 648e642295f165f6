"""Twilio, for the SMS channel and the 101 callback line: the only module that uses its SDK.

- the client, built from settings (tests replace only its HTTP layer: TWILIO_HTTP_CLIENT);
- `twilio_webhook`, the webhook guard (contact_hub.webhooks) with Twilio's signature;
- `TwilioSms`, the text backend for SMS;
- `TwilioCalls`, which rings callers back for the 101 line;
- the SDK's TwiML builders, for the views that answer Twilio, and `twiml_response`.

Every SDK error leaves as a TransportError that says whether a retry can help.
"""

from __future__ import annotations

from dataclasses import dataclass

import requests
from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from django.utils.module_loading import import_string
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.twiml import TwiML
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from contact_hub.conversations.sending import OutboundText, ProviderReceipt, TransportError
from contact_hub.webhooks import WebhookProvider, provider_webhook

__all__ = [
    "PROVIDER",
    "MessagingResponse",
    "PlacedCall",
    "TwilioCalls",
    "TwilioSms",
    "VoiceResponse",
    "request_signature",
    "twilio_webhook",
    "twiml_response",
]

PROVIDER = "twilio"
# Twilio's form posts are small; anything much larger is not from Twilio.
MAX_WEBHOOK_BYTES = 64 * 1024
# Twilio error codes that no retry can fix. Texts: unsubscribed, not a valid or mobile number,
# blocked. Calls: a number that can never be called (invalid, not allowed, blocked).
PERMANENT_SMS_ERRORS = {21211, 21214, 21408, 21610, 21612, 21614, 30004, 30005, 30006}
PERMANENT_CALL_ERRORS = {13223, 13224, 13225, 13226, 21210, 21211, 21215, 21216, 21217}
CALL_EVENTS = ["initiated", "ringing", "answered", "completed"]


def _configured() -> bool:
    return bool(settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN)


def _client() -> Client:
    http_client = import_string(settings.TWILIO_HTTP_CLIENT)() if settings.TWILIO_HTTP_CLIENT \
        else None
    return Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN,
                  http_client=http_client)


# Webhooks.

def _public_url(request: HttpRequest) -> str:
    """The URL Twilio signed: the public address, not the one behind a TLS-terminating proxy."""
    return settings.PUBLIC_BASE_URL.rstrip("/") + request.get_full_path()


def request_signature(url: str, form: dict[str, str]) -> str:
    """The signature Twilio sends with a form posted to `url` (the demo posts as Twilio)."""
    return RequestValidator(settings.TWILIO_AUTH_TOKEN).compute_signature(url, form)


def _signature_valid(request: HttpRequest) -> bool:
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    validator = RequestValidator(settings.TWILIO_AUTH_TOKEN)
    return validator.validate(_public_url(request), request.POST, signature)


def _form(request: HttpRequest) -> QueryDict:
    return request.POST


TWILIO = WebhookProvider(
    name=PROVIDER, configured=_configured, signature_valid=_signature_valid, parse=_form,
    max_bytes=MAX_WEBHOOK_BYTES, not_configured="Twilio is not configured on this hub.")
# Open to Twilio only: the view is called as view(request, form, *args).
twilio_webhook = provider_webhook(TWILIO)


def twiml_response(twiml: TwiML) -> HttpResponse:
    return HttpResponse(str(twiml), content_type="text/xml")


# Texts.

class TwilioSms:
    provider = PROVIDER

    def is_configured(self) -> bool:
        return _configured() and bool(settings.TWILIO_SMS_NUMBERS)

    def send(self, text: OutboundText) -> ProviderReceipt:
        if not self.is_configured():
            raise TransportError("Twilio SMS is not configured", permanent=True)
        status_url = settings.PUBLIC_BASE_URL.rstrip("/") + reverse("sms:status")
        try:
            result = _client().messages.create(
                to=text.to, from_=settings.TWILIO_SMS_NUMBERS[0], body=text.body,
                status_callback=status_url)
        except TwilioRestException as error:
            permanent = error.code in PERMANENT_SMS_ERRORS or error.status in (400, 401, 403, 404)
            raise TransportError(f"twilio {error.code or error.status}",
                                 permanent=permanent) from error
        except requests.exceptions.ConnectionError as error:
            raise TransportError("twilio unreachable", permanent=False) from error
        except requests.exceptions.Timeout as error:
            # The request may have reached Twilio: resending could text the victim twice.
            raise TransportError("twilio timeout", permanent=True, unknown=True) from error
        return ProviderReceipt(self.provider, result.sid, "sent")


# Calls.

@dataclass(frozen=True)
class PlacedCall:
    call_sid: str
    status: str


class TwilioCalls:
    def is_configured(self) -> bool:
        return _configured()

    def place(self, *, to: str, from_number: str, answer_url: str, status_url: str,
              ring_seconds: int) -> PlacedCall:
        """Ring `to` from `from_number`. Twilio fetches the answer URL's TwiML when it is
        picked up, detects answering machines, and reports progress to the status URL."""
        try:
            result = _client().calls.create(
                to=to, from_=from_number, url=answer_url, status_callback=status_url,
                status_callback_event=CALL_EVENTS, machine_detection="Enable",
                timeout=ring_seconds)
        except TwilioRestException as error:
            raise TransportError(f"twilio {error.code}",
                                 permanent=error.code in PERMANENT_CALL_ERRORS) from error
        except TwilioException as error:
            raise TransportError("twilio unreachable", permanent=False) from error
        return PlacedCall(result.sid, result.status or "queued")
