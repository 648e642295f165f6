"""Meta's webhook: the subscription handshake (GET) and batched deliveries (POST)."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse

from contact_hub.conversations.intake import message_intake
from contact_hub.conversations.models import Message
from contact_hub.conversations.services import message_status_advance
from contact_hub.people.identifiers import InvalidIdentifier
from contact_hub.staff.audit import security_event_record
from social.meta.parse import MetaDelivery, Receipt, meta_delivery_parse
from social.payload import PayloadError
from social.webhooks import hmac_sha256, ignored, json_webhook

PROVIDER = "meta"


def meta_configured() -> bool:
    return bool(settings.META_APP_SECRET and settings.META_VERIFY_TOKEN)


def meta_signature_valid(request: HttpRequest) -> bool:
    header = request.headers.get("X-Hub-Signature-256", "")
    expected = "sha256=" + hmac_sha256(settings.META_APP_SECRET, request.body).hex()
    return hmac.compare_digest(header.encode(), expected.encode())


@json_webhook(provider=PROVIDER, configured=meta_configured, signature_valid=meta_signature_valid)
def webhook_view(request: HttpRequest, payload: dict | None) -> HttpResponse:
    if payload is None:
        return _handshake(request)
    try:
        delivery = meta_delivery_parse(payload)
    except PayloadError as error:
        security_event_record("malformed_payload", request=request,
                              detail={"provider": PROVIDER, "reason": str(error)})
        return HttpResponse("Malformed Meta payload.", status=400)
    ours = set(settings.META_PAGE_IDS) | set(settings.WHATSAPP_PHONE_NUMBER_IDS)
    if not delivery.destinations <= ours:
        # 200 all the same: Meta retries anything else for days.
        ignored(request, PROVIDER, "unknown_destination")
        return HttpResponse(status=200)
    _take_in(request, delivery)
    return HttpResponse(status=200)


def _handshake(request: HttpRequest) -> HttpResponse:
    mode = request.GET.get("hub.mode")
    token = request.GET.get("hub.verify_token", "")
    if mode != "subscribe" or not hmac.compare_digest(token.encode(),
                                                      settings.META_VERIFY_TOKEN.encode()):
        security_event_record("bad_verify_token", request=request, detail={"provider": PROVIDER})
        return HttpResponse("Verification failed.", status=403)
    return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")


def _take_in(request: HttpRequest, delivery: MetaDelivery) -> None:
    for inbound in delivery.messages:
        try:
            message_intake(inbound)
        except InvalidIdentifier:
            ignored(request, PROVIDER, "unusable_sender")
    for receipt in delivery.receipts:
        _apply_receipt(receipt)
    for reason in delivery.skipped:
        ignored(request, PROVIDER, "unsupported_message_type", reason=reason)


@transaction.atomic
def _apply_receipt(receipt: Receipt) -> None:
    outbound = Message.objects.filter(provider=PROVIDER, direction=Message.Direction.OUTBOUND)
    if receipt.provider_message_ids:
        outbound = outbound.filter(provider_message_id__in=receipt.provider_message_ids)
    else:
        outbound = outbound.filter(channel=receipt.channel, created_at__lte=receipt.up_to,
                                   conversation__identity__value=receipt.conversation_user_id)
    for message_id in outbound.values_list("pk", flat=True):
        message_status_advance(message_id, receipt.status)
