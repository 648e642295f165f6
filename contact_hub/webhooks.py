"""The one guard every provider's webhook passes, Twilio's, Meta's and X's alike.

In order: the method (405), the provider configured (503), a body within the provider's limit
(413), the provider's own check of the body's shape where it has one (400), its signature
(403), then its parse of the signed body (400). A refusal stores nothing and records a security
event naming the provider and never the content, the same way for every provider.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, Generic, TypeVar

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.views.decorators.csrf import csrf_exempt

from contact_hub.staff.access import public_view
from contact_hub.staff.audit import security_event_record

Payload = TypeVar("Payload")
WebhookView = Callable[..., HttpResponse]


class WebhookMalformed(ValueError):
    """The body is not the provider's; the message is the answer, safe to show anyone."""


def _any_body(body: bytes) -> None:
    """Most providers' bodies have no shape to check before their signature."""


@dataclass(frozen=True)
class WebhookProvider(Generic[Payload]):
    """What the guard needs to know of one provider."""

    name: str  # in every security event's detail
    configured: Callable[[], bool]
    signature_valid: Callable[[HttpRequest], bool]
    # The signed body as the view takes it; raises WebhookMalformed.
    parse: Callable[[HttpRequest], Payload]
    max_bytes: int
    not_configured: str  # the 503 answer
    # Checked before the signature, on the raw body; raises WebhookMalformed.
    shape_check: Callable[[bytes], None] = _any_body
    # GET reaches the view, with no payload, once the provider is configured: a subscription
    # handshake, which proves itself in the view.
    handshake: bool = False


def provider_webhook(provider: WebhookProvider[Payload]) -> Callable[[WebhookView], WebhookView]:
    """The view is called as view(request, payload, *args), payload None for a handshake."""

    def decorator(view: WebhookView) -> WebhookView:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            refusal = _refusal(request, provider)
            if refusal is not None:
                return refusal
            if request.method == "GET":
                return view(request, None, *args, **kwargs)
            try:
                payload = provider.parse(request)
            except WebhookMalformed as malformed:
                return _refuse(request, provider.name, "malformed_payload", 400, str(malformed))
            return view(request, payload, *args, **kwargs)

        return public_view(csrf_exempt(guarded))

    return decorator


def _refusal(request: HttpRequest, provider: WebhookProvider[Any]) -> HttpResponse | None:
    methods = ["GET", "POST"] if provider.handshake else ["POST"]
    if request.method not in methods:
        return HttpResponseNotAllowed(methods)
    if not provider.configured():
        return _refuse(request, provider.name, "provider_not_configured", 503,
                       provider.not_configured)
    if request.method == "GET":
        return None
    try:
        body = _body(request, provider.max_bytes)
        provider.shape_check(body)
    except RequestDataTooBig:
        return _refuse(request, provider.name, "oversized_body", 413, "Request body too large.")
    except WebhookMalformed as malformed:
        return _refuse(request, provider.name, "malformed_payload", 400, str(malformed))
    if not provider.signature_valid(request):
        return _refuse(request, provider.name, "bad_signature", 403, "Invalid signature.")
    return None


def _body(request: HttpRequest, max_bytes: int) -> bytes:
    if int(request.META.get("CONTENT_LENGTH") or 0) > max_bytes:
        raise RequestDataTooBig
    body = request.body
    # A body sent without a length (chunked) is only measured once read.
    if len(body) > max_bytes:
        raise RequestDataTooBig
    return body


def _refuse(request: HttpRequest, provider: str, kind: str, status: int,
            text: str) -> HttpResponse:
    security_event_record(kind, request=request, detail={"provider": provider})
    return HttpResponse(text, status=status)


def webhook_malformed(request: HttpRequest, provider: str, *, reason: str,
                      answer: str) -> HttpResponse:
    """A signed body the provider's parser refused: 400, with the reason (a field's name,
    never its value) kept for the security log."""
    security_event_record("malformed_payload", request=request,
                          detail={"provider": provider, "reason": reason})
    return HttpResponse(answer, status=400)


def webhook_ignored(request: HttpRequest, provider: str, kind: str, **detail: Any) -> None:
    """Record something answered 200 but not taken in: any other answer makes the provider
    retry a delivery we will never accept."""
    security_event_record(kind, request=request, detail={"provider": provider, **detail})
