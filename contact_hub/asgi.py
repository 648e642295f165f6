"""ASGI entry point: HTTP through Django, websockets through Channels."""

from __future__ import annotations

import gc
import os
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contact_hub.settings")
django.setup(set_prefix=False)

from contact_hub.http_handler import OneSwitchASGIHandler  # noqa: E402

django_asgi_app = OneSwitchASGIHandler()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.urls import get_resolver  # noqa: E402
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware  # noqa: E402

from contact_hub.request_limits import RequestBodyLimit  # noqa: E402
from contact_hub.routing import websocket_urlpatterns  # noqa: E402
from contact_hub.victim_host import VictimHostWebsocketGuard  # noqa: E402


def client_address_from_trusted_proxies(app: Any) -> Any:
    """X-Forwarded-For and X-Forwarded-Proto count only from HUB_TRUSTED_PROXIES; from anyone
    else (or with none set) the connecting address and scheme stand, whatever the headers say."""
    if not settings.HUB_TRUSTED_PROXIES:
        return app
    return ProxyHeadersMiddleware(app, trusted_hosts=settings.HUB_TRUSTED_PROXIES)


application = client_address_from_trusted_proxies(RequestBodyLimit(ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": VictimHostWebsocketGuard(AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        )),
    }
)))


def _startup_objects_freeze() -> None:
    """Load the URLconf and its views now, then move everything loaded so far out of the
    garbage collector's sight. Otherwise each full collection walks the ~130,000 objects of
    Django, Celery and the apps, stalling every request in the process for 90 ms or more on a
    busy machine; frozen, a full collection takes about 10 ms."""
    get_resolver().url_patterns  # noqa: B018 - imports every view module
    gc.freeze()


_startup_objects_freeze()
