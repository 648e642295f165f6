"""Headers every page the hub renders carries: a strict Content-Security-Policy (django-csp) and
`Cache-Control: no-store`, so no victim's data is left in a browser's or a proxy's cache."""

from __future__ import annotations

from collections.abc import Callable

from csp.middleware import CSPMiddleware, PolicyParts
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponseBase


class HubCSPMiddleware(CSPMiddleware):
    """The policy in settings.CONTENT_SECURITY_POLICY, plus the page's own websocket origin:
    older Safari does not count ws(s):// of the same host as 'self'."""

    def get_policy_parts(self, request: HttpRequest, response: HttpResponseBase,
                         report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if report_only:
            return parts
        try:
            host = request.get_host()
        except DisallowedHost:
            return parts
        scheme = "wss" if request.is_secure() else "ws"
        parts.update = {**(parts.update or {}), "connect-src": [f"{scheme}://{host}"]}
        return parts


NO_GEOLOCATION = "geolocation=()"


class NoStoreMiddleware:
    """Pages (not static files, which WhiteNoise serves before this runs) are never cached, and
    none may ask for the browser's location unless it says so itself (the victim's page)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        response["Cache-Control"] = "no-store"
        response.headers.setdefault("Permissions-Policy", NO_GEOLOCATION)
        return response
