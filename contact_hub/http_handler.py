"""Django's ASGI handler with the HTTP side run as the synchronous stack it is.

The hub's pages and webhooks are synchronous Django (ORM, sessions, django-otp, WhiteNoise).
The stock ASGIHandler costs them twice over:

- its middleware chain is built for async, so a request switches between the event loop and a
  worker thread at every sync/async boundary in the chain and again for each view middleware
  (five or more switches a request with our middleware). Here the chain is built synchronously
  and a request makes one switch, as under WSGI;
- each request runs in a brand-new thread, so every per-thread cache (Django's connection
  wrapper, Celery's backend and producer state) is built again for every request. Here a
  request borrows a thread that is kept for the next one, through asgiref's
  ThreadSensitiveContext(executor=...), so the request_started/finished signals, middleware and
  view still share one thread and the database connection goes back to the pool at the end of
  each request, as before.

Websockets are untouched: Channels serves them on the event loop.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler
from django.http import HttpRequest, HttpResponseBase


class OneSwitchASGIHandler(ASGIHandler):
    def __init__(self, *, threads: int | None = None) -> None:
        super().__init__()
        # Requests served at once by one process; more wait their turn on the event loop.
        self._threads = asyncio.Semaphore(threads or settings.HUB_HTTP_THREADS)
        self._idle: list[ThreadPoolExecutor] = []

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        async with self._threads:
            thread = self._idle.pop() if self._idle else ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="http")
            try:
                async with ThreadSensitiveContext(executor=thread):
                    await super().__call__(scope, receive, send)
            finally:
                self._idle.append(thread)

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)
