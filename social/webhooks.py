"""The guard every JSON webhook (Meta, X) passes: configured, small, signed on the raw body,
well-formed JSON. A refusal stores nothing and records a security event without content."""

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
            except (ValueError, UnicodeDecodeError):
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
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_WEBHOOK_BYTES:
        return _refuse(request, provider, "oversized_body", 413, "Request body too large.")
    try:
        valid = signature_valid(request)
    except RequestDataTooBig:
        return _refuse(request, provider, "oversized_body", 413, "Request body too large.")
    if not valid:
        return _refuse(request, provider, "bad_signature", 403, "Invalid signature.")
    return None


def _refuse(request: HttpRequest, provider: str, kind: str, status: int,
            text: str) -> HttpResponse:
    security_event_record(kind, request=request, detail={"provider": provider})
    return HttpResponse(text, status=status)


def ignored(request: HttpRequest, provider: str, kind: str, **detail: Any) -> None:
    """Record something we answer 200 to but do not take in, so the provider stops retrying."""
    security_event_record(kind, request=request, detail={"provider": provider, **detail})
