"""Meta's webhook: the subscription handshake (GET) and batched deliveries (POST)."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from contact_hub.conversations.intake import message_intake
from contact_hub.conversations.services import message_receipt_apply
from contact_hub.people.identifiers import InvalidIdentifier
from contact_hub.staff.audit import security_event_record
from contact_hub.webhooks import provider_webhook, webhook_ignored, webhook_malformed
from social.meta.parse import PROVIDER, MetaDelivery, meta_delivery_parse
from social.payload import PayloadError
from social.webhooks import hmac_sha256, json_provider


def meta_configured() -> bool:
    return bool(settings.META_APP_SECRET and settings.META_VERIFY_TOKEN)


def meta_signature_valid(request: HttpRequest) -> bool:
    header = request.headers.get("X-Hub-Signature-256", "")
    expected = "sha256=" + hmac_sha256(settings.META_APP_SECRET, request.body).hex()
    return hmac.compare_digest(header.encode(), expected.encode())


@provider_webhook(json_provider(name=PROVIDER, configured=meta_configured,
                                signature_valid=meta_signature_valid))
def webhook_view(request: HttpRequest, payload: dict | None) -> HttpResponse:
    if payload is None:
        return _handshake(request)
    try:
        delivery = meta_delivery_parse(payload)
    except PayloadError as error:
        return webhook_malformed(request, PROVIDER, reason=str(error),
                                 answer="Malformed Meta payload.")
    ours = set(settings.META_PAGE_IDS) | set(settings.WHATSAPP_PHONE_NUMBER_IDS)
    if not delivery.destinations <= ours:
        # 200 all the same: Meta retries anything else for days.
        webhook_ignored(request, PROVIDER, "unknown_destination")
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
            webhook_ignored(request, PROVIDER, "unusable_sender")
    for receipt in delivery.receipts:
        message_receipt_apply(receipt=receipt)
    for reason in delivery.skipped:
        webhook_ignored(request, PROVIDER, "unsupported_message_type", reason=reason)
