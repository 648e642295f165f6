"""Twilio's messaging webhooks: inbound texts and delivery status callbacks."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from twilio.twiml.messaging_response import MessagingResponse

from contact_hub.conversations.intake import message_intake
from contact_hub.conversations.models import Message
from contact_hub.conversations.services import message_status_advance
from contact_hub.followups.services import followup_queue
from contact_hub.sms.keywords import opt_out_keywords_apply
from contact_hub.sms.parse import InboundSms, PayloadError, inbound_sms_parse, sms_status_parse
from contact_hub.sms.tasks import media_fetch
from contact_hub.staff.audit import security_event_record
from contact_hub.twilio_provider import twilio_webhook


def _empty_twiml() -> HttpResponse:
    # No automatic reply: a text arriving on a phone the abuser holds must never be prompted.
    return HttpResponse(str(MessagingResponse()), content_type="text/xml")


def _for_us(sms: InboundSms) -> bool:
    if sms.account_sid != settings.TWILIO_ACCOUNT_SID:
        return False
    numbers = settings.TWILIO_SMS_NUMBERS
    return not numbers or sms.to in numbers


def _malformed(request: HttpRequest, error: PayloadError) -> HttpResponse:
    security_event_record("malformed_payload", request=request,
                          detail={"provider": "twilio", "reason": str(error)})
    return HttpResponse("Malformed Twilio request.", status=400)


@twilio_webhook
def inbound_view(request: HttpRequest) -> HttpResponse:
    try:
        sms = inbound_sms_parse(request.POST)
    except PayloadError as error:
        return _malformed(request, error)
    if not _for_us(sms):
        # 200 so Twilio does not retry a delivery we will never accept.
        security_event_record("unknown_destination", request=request,
                              detail={"provider": "twilio"})
        return _empty_twiml()
    result = message_intake(sms.message)
    if result.created:
        opt_out_keywords_apply(result.message.conversation.identity, sms.message.text)
        if sms.message.media:
            followup_queue(media_fetch, message_id=result.message.pk)
    return _empty_twiml()


@twilio_webhook
def status_view(request: HttpRequest) -> HttpResponse:
    try:
        sid, status = sms_status_parse(request.POST)
    except PayloadError as error:
        return _malformed(request, error)
    message_id = Message.objects.filter(provider="twilio", provider_message_id=sid).values_list(
        "pk", flat=True).first()
    # Unknown ids and stale or repeated statuses are answered 200 all the same: a non-2xx
    # answer only makes Twilio retry something that can never apply.
    if message_id is not None:
        message_status_advance(message_id, status, error_code=request.POST.get("ErrorCode", ""))
    return HttpResponse(status=204)
