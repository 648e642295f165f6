"""What Meta's and X's webhooks share under the hub's one guard (contact_hub.webhooks): a JSON
object for a body, signed with an HMAC-SHA256 of the raw body, and a GET handshake."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from contact_hub.webhooks import WebhookMalformed, WebhookProvider

MAX_WEBHOOK_BYTES = 1024 * 1024
# What JSON allows before a value (RFC 8259); bytes.lstrip() alone would also take \v and \f.
JSON_WHITESPACE = b" \t\r\n"
MALFORMED_JSON = "Malformed JSON."


def hmac_sha256(secret: str, body: bytes) -> bytes:
    return hmac.new(secret.encode(), body, hashlib.sha256).digest()


def json_provider(*, name: str, configured: Callable[[], bool],
                  signature_valid: Callable[[HttpRequest], bool]) -> WebhookProvider[dict]:
    """The guard's view of a JSON provider: the view gets the parsed object, or None for the
    provider's GET handshake."""
    return WebhookProvider(name=name, configured=configured, signature_valid=signature_valid,
                           parse=_json_object, shape_check=_opens_an_object,
                           max_bytes=MAX_WEBHOOK_BYTES, handshake=True,
                           not_configured=f"{name} is not configured on this hub.")


def _opens_an_object(body: bytes) -> None:
    # Checked before the signature: some answers we give are HMACs over strings an outsider
    # chose (X's CRC), and none of those strings starts with "{", so no answer of ours can ever
    # be a valid signature for a body that gets this far.
    if not body.lstrip(JSON_WHITESPACE).startswith(b"{"):
        raise WebhookMalformed(MALFORMED_JSON)


def _json_object(request: HttpRequest) -> dict[str, Any]:
    try:
        payload = json.loads(request.body)
    except (ValueError, RecursionError):
        raise WebhookMalformed(MALFORMED_JSON) from None
    if not isinstance(payload, dict):
        raise WebhookMalformed(MALFORMED_JSON)
    return payload
