"""X's webhook: the CRC challenge (GET) and Account Activity deliveries (POST)."""

from __future__ import annotations

import base64
import hmac
import re

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from contact_hub.conversations.intake import message_intake
from contact_hub.webhooks import provider_webhook, webhook_ignored, webhook_malformed
from social.payload import PayloadError
from social.webhooks import hmac_sha256, json_provider
from social.x.parse import PROVIDER, x_delivery_parse

# The tokens X sends: base64, url-safe base64 or a UUID. Never a brace, quote, space or byte
# outside ASCII, which is what keeps the CRC answer from signing a delivery (see _crc).
CRC_TOKEN = re.compile(r"[A-Za-z0-9+/=_-]{1,100}")


def x_configured() -> bool:
    return bool(settings.X_CONSUMER_SECRET and settings.X_USER_ID)


def x_signature(body: bytes) -> str:
    return "sha256=" + base64.b64encode(hmac_sha256(settings.X_CONSUMER_SECRET, body)).decode()


def x_signature_valid(request: HttpRequest) -> bool:
    header = request.headers.get("X-Twitter-Webhooks-Signature", "")
    return hmac.compare_digest(header.encode(), x_signature(request.body).encode())


@provider_webhook(json_provider(name=PROVIDER, configured=x_configured,
                                signature_valid=x_signature_valid))
def webhook_view(request: HttpRequest, payload: dict | None) -> HttpResponse:
    if payload is None:
        return _crc(request)
    try:
        delivery = x_delivery_parse(payload)
    except PayloadError as error:
        return webhook_malformed(request, PROVIDER, reason=str(error),
                                 answer="Malformed X payload.")
    if delivery.for_user_id != settings.X_USER_ID:
        webhook_ignored(request, PROVIDER, "unknown_destination")
        return HttpResponse(status=200)
    for inbound in delivery.messages:
        message_intake(inbound)
    for reason in delivery.skipped:
        webhook_ignored(request, PROVIDER, "unsupported_message_type", reason=reason)
    return HttpResponse(status=200)


def _crc(request: HttpRequest) -> HttpResponse:
    """X proves we hold the consumer secret by asking us to sign a token it chose.

    The answer is the very HMAC a delivery carries, over a string the asker picks, so it must
    never be a signature for a body we accept. It cannot be: a token is taken only in X's
    alphabet above, and a delivery's body must start with "{" (after JSON whitespace) before
    its signature is even checked (social.webhooks). No token holds "{" or whitespace, so no
    token is ever a body, and an HMAC over one string is no signature for any other.
    """
    token = request.GET.get("crc_token", "")
    if not CRC_TOKEN.fullmatch(token):
        return webhook_malformed(request, PROVIDER, reason="crc token not X's form",
                                 answer="Malformed crc_token.")
    return JsonResponse({"response_token": x_signature(token.encode())})
