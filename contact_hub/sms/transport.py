"""Sends texts through Twilio; the only place that talks to Twilio's messaging API."""

from __future__ import annotations

import requests
from django.conf import settings
from django.urls import reverse
from twilio.base.exceptions import TwilioRestException

from contact_hub.conversations.sending import OutboundText, ProviderReceipt, TransportError
from contact_hub.twilio_provider import twilio_client, twilio_configured

# Twilio error codes that no retry can fix: unsubscribed, not a valid or mobile number, blocked.
PERMANENT_ERRORS = {21211, 21214, 21408, 21610, 21612, 21614, 30004, 30005, 30006}


class TwilioSms:
    provider = "twilio"

    def is_configured(self) -> bool:
        return twilio_configured() and bool(settings.TWILIO_SMS_NUMBERS)

    def send(self, text: OutboundText) -> ProviderReceipt:
        if not self.is_configured():
            raise TransportError("Twilio SMS is not configured", permanent=True)
        status_url = settings.PUBLIC_BASE_URL.rstrip("/") + reverse("sms:status")
        try:
            result = twilio_client().messages.create(
                to=text.to, from_=settings.TWILIO_SMS_NUMBERS[0], body=text.body,
                status_callback=status_url)
        except TwilioRestException as error:
            permanent = error.code in PERMANENT_ERRORS or error.status in (400, 401, 403, 404)
            raise TransportError(f"twilio {error.code or error.status}",
                                 permanent=permanent) from error
        except requests.exceptions.ConnectionError as error:
            raise TransportError("twilio unreachable", permanent=False) from error
        except requests.exceptions.Timeout as error:
            # The request may have reached Twilio: resending could text the victim twice.
            raise TransportError("twilio timeout", permanent=True, unknown=True) from error
        return ProviderReceipt(self.provider, result.sid, "sent")
