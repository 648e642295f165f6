"""Django's ASGI handler with the HTTP side run as the synchronous stack it is.

The hub's pages and webhooks are synchronous Django (ORM, sessions, django-otp, WhiteNoise).
Under the stock ASGIHandler the middleware chain is built for async, so a request switches
between the event loop and a worker thread at every sync/async boundary in the chain and again
for each view middleware: five or more switches a request with our middleware, each costing CPU
and a trip through the GIL. Here the chain is built synchronously and a request makes one switch,
into its own thread, as under WSGI. Websockets are untouched: Channels serves them on the loop.
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.http import HttpRequest, HttpResponseBase


class OneSwitchASGIHandler(ASGIHandler):
    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        # thread_sensitive: the same thread as the request_started/finished receivers, so the
        # database connection this request used is the one returned to the pool at its end.
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)
