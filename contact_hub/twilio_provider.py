"""The one place the hub builds Twilio's SDK client and checks Twilio's webhook signatures.

Both the SMS channel and the 101 voice line use this module.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from contact_hub.staff.access import public_view
from contact_hub.staff.audit import security_event_record

# Twilio's form posts are small; anything much larger is not from Twilio.
MAX_WEBHOOK_BYTES = 64 * 1024


def twilio_configured() -> bool:
    return bool(settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN)


def twilio_client() -> Client:
    http_client = import_string(settings.TWILIO_HTTP_CLIENT)() if settings.TWILIO_HTTP_CLIENT \
        else None
    return Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN,
                  http_client=http_client)


def public_url(request: HttpRequest) -> str:
    """The URL Twilio signed: the public address, not the one behind a TLS-terminating proxy."""
    return settings.PUBLIC_BASE_URL.rstrip("/") + request.get_full_path()


def twilio_signature_valid(request: HttpRequest) -> bool:
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    validator = RequestValidator(settings.TWILIO_AUTH_TOKEN)
    return validator.validate(public_url(request), request.POST, signature)


def twilio_webhook(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Open to Twilio only: POST, small, and signed with our auth token; else refused and
    recorded. Nothing of the body is stored or logged when a request is refused."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not twilio_configured():
            security_event_record("provider_not_configured", request=request,
                                  detail={"provider": "twilio"})
            return HttpResponse("Twilio is not configured on this hub.", status=503)
        if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_WEBHOOK_BYTES:
            security_event_record("oversized_body", request=request,
                                  detail={"provider": "twilio"})
            return HttpResponse("Request body too large.", status=413)
        try:
            valid = twilio_signature_valid(request)
        except RequestDataTooBig:
            security_event_record("oversized_body", request=request,
                                  detail={"provider": "twilio"})
            return HttpResponse("Request body too large.", status=413)
        if not valid:
            security_event_record("bad_signature", request=request,
                                  detail={"provider": "twilio"})
            return HttpResponse("Invalid signature.", status=403)
        return view(request, *args, **kwargs)

    return public_view(csrf_exempt(require_POST(guarded)))
