"""Twilio's messaging webhooks: inbound texts and delivery status callbacks. Each is the guard,
the parse, one service, the answer; what follows a stored text (opt-out keywords, fetching its
media) runs in the received-message hooks, as for every channel."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict

from contact_hub.conversations.intake import message_intake
from contact_hub.conversations.services import message_receipt_apply
from contact_hub.sms.parse import InboundSms, PayloadError, inbound_sms_parse, sms_status_parse
from contact_hub.sms.twilio import PROVIDER, MessagingResponse, twilio_webhook, twiml_response
from contact_hub.webhooks import webhook_ignored, webhook_malformed

MALFORMED = "Malformed Twilio request."


def _empty_twiml() -> HttpResponse:
    # No automatic reply: a text arriving on a phone the abuser holds must never be prompted.
    return twiml_response(MessagingResponse())


def _for_us(sms: InboundSms) -> bool:
    if sms.account_sid != settings.TWILIO_ACCOUNT_SID:
        return False
    numbers = settings.TWILIO_SMS_NUMBERS
    return not numbers or sms.to in numbers


@twilio_webhook
def inbound_view(request: HttpRequest, form: QueryDict) -> HttpResponse:
    try:
        sms = inbound_sms_parse(form)
    except PayloadError as error:
        return webhook_malformed(request, PROVIDER, reason=str(error), answer=MALFORMED)
    if not _for_us(sms):
        webhook_ignored(request, PROVIDER, "unknown_destination")
        return _empty_twiml()
    message_intake(sms.message)
    return _empty_twiml()


@twilio_webhook
def status_view(request: HttpRequest, form: QueryDict) -> HttpResponse:
    try:
        receipt = sms_status_parse(form)
    except PayloadError as error:
        return webhook_malformed(request, PROVIDER, reason=str(error), answer=MALFORMED)
    # Unknown ids and stale or repeated statuses are answered all the same: any other answer
    # only makes Twilio retry something that can never apply.
    message_receipt_apply(receipt=receipt)
    return HttpResponse(status=204)
