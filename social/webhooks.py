"""The guard every JSON webhook (Meta, X) passes: configured, small, a JSON object, signed on
the raw body. A refusal stores nothing and records a security event without content."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from contact_hub.staff.access import public_view
from contact_hub.staff.audit import security_event_record

MAX_WEBHOOK_BYTES = 1024 * 1024
# What JSON allows before a value (RFC 8259); bytes.lstrip() alone would also take \v and \f.
JSON_WHITESPACE = b" \t\r\n"


def hmac_sha256(secret: str, body: bytes) -> bytes:
    return hmac.new(secret.encode(), body, hashlib.sha256).digest()


def json_webhook(*, provider: str, configured: Callable[[], bool],
                 signature_valid: Callable[[HttpRequest], bool]) -> Callable:
    """GET goes to the view as is (subscription handshakes); POST reaches it as parsed JSON."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def guarded(request: HttpRequest) -> HttpResponse:
            refusal = _refusal(request, provider, configured, signature_valid)
            if refusal is not None:
                return refusal
            if request.method == "GET":
                return view(request, None)
            try:
                payload = json.loads(request.body)
            except (ValueError, RecursionError):
                return _refuse(request, provider, "malformed_payload", 400, "Malformed JSON.")
            if not isinstance(payload, dict):
                return _refuse(request, provider, "malformed_payload", 400, "Malformed JSON.")
            return view(request, payload)

        return public_view(csrf_exempt(guarded))

    return decorator


def _refusal(request: HttpRequest, provider: str, configured: Callable[[], bool],
             signature_valid: Callable[[HttpRequest], bool]) -> HttpResponse | None:
    if request.method not in ("GET", "POST"):
        return HttpResponse(status=405)
    if not configured():
        return _refuse(request, provider, "provider_not_configured", 503,
                       f"{provider} is not configured on this hub.")
    if request.method == "GET":
        return None
    try:
        body = _body(request)
    except RequestDataTooBig:
        return _refuse(request, provider, "oversized_body", 413, "Request body too large.")
    if not body.lstrip(JSON_WHITESPACE).startswith(b"{"):
        # Checked before the signature: some answers we give are HMACs over strings an
        # outsider chose (X's CRC), and none of those strings starts with "{", so no answer
        # of ours can ever be a valid signature for a body that gets this far.
        return _refuse(request, provider, "malformed_payload", 400, "Malformed JSON.")
    if not signature_valid(request):
        return _refuse(request, provider, "bad_signature", 403, "Invalid signature.")
    return None


def _body(request: HttpRequest) -> bytes:
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_WEBHOOK_BYTES:
        raise RequestDataTooBig
    body = request.body
    # A body sent without a length (chunked) is only measured once read.
    if len(body) > MAX_WEBHOOK_BYTES:
        raise RequestDataTooBig
    return body


def _refuse(request: HttpRequest, provider: str, kind: str, status: int,
            text: str) -> HttpResponse:
    security_event_record(kind, request=request, detail={"provider": provider})
    return HttpResponse(text, status=status)


def ignored(request: HttpRequest, provider: str, kind: str, **detail: Any) -> None:
    """Record something we answer 200 to but do not take in, so the provider stops retrying."""
    security_event_record(kind, request=request, detail={"provider": provider, **detail})
