"""The host victims' links point at serves the victim page and nothing else.

Anyone who sees a link (the abuser holding her phone included) can open that host. It must not
lead to a staff sign-in page or show the hub's name: every address but the victim page, its own
static files and its websocket (and the same for an interpreter invited to her call,
rvr/interpreter.py) is a plain 404. With no separate victim host (the demo), the one host serves
everything.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.http.request import split_domain_port

# The static files the victim's and the interpreter's pages load (rvr/templates/rvr/victim.html,
# interpreter.html; tests/test_victim_host.py reads those pages, so one left out here fails).
VICTIM_FILES = (
    "rvr/victim.css", "rvr/victim.js", "rvr/call_quality.js", "rvr/victim_recording.js",
    "rvr/interpreter_peer.js", "rvr/later.js", "rvr/victim_share.js", "rvr/interpreter.js",
    "rvr/media_buttons.js",
)
VICTIM_STATIC = tuple(f"/static/{name}" for name in VICTIM_FILES)
VICTIM_PATHS = re.compile(
    r"^/(v/[A-Za-z0-9_-]+/(opened/|join/|location/|uploads/|later/)?"
    r"|i/[A-Za-z0-9_-]+/(join/)?)$"
    "|^(" + "|".join(re.escape(path) for path in VICTIM_STATIC) + ")$")
VICTIM_SOCKET = re.compile(r"^/ws/rvr/\d+/(victim|interpreter)/$")


def on_victim_host(host: str) -> bool:
    domain, _port = split_domain_port(host)
    return bool(settings.HUB_VICTIM_HOST) and domain == settings.HUB_VICTIM_HOST.lower()


def not_found() -> HttpResponse:
    """Says nothing about what else the host might be."""
    return HttpResponseNotFound("Not found.", content_type="text/plain; charset=utf-8")


class VictimHostMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        host = request.META.get("HTTP_HOST", "")
        if on_victim_host(host) and not VICTIM_PATHS.fullmatch(request.path):
            return not_found()
        response = self.get_response(request)
        if request.path in VICTIM_STATIC:
            # Served by WhiteNoise, which would let her browser keep them: no trace of the visit.
            response["Cache-Control"] = "no-store"
        return response


class VictimHostWebsocketGuard:
    """On the victim host only the victim's own side of a video session may connect."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        host = dict(scope.get("headers") or []).get(b"host", b"").decode("latin1")
        if on_victim_host(host) and not VICTIM_SOCKET.fullmatch(scope.get("path", "")):
            return await WebsocketDenier()(scope, receive, send)
        return await self.app(scope, receive, send)
