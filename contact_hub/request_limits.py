"""Request bodies are refused while they are read, before Django sees them.

Django's ASGI handler spools a whole body (to disk past 2.5 MB) before any view can look at its
size, and a chunked body has no Content-Length to check first: one request could fill the disk.
Here a declared length over the limit is refused at once, and a body without one is read into
memory only up to the limit.
"""

from __future__ import annotations

import re
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connections

from contact_hub.staff.audit import security_event_record

TOO_LARGE = b"Request body too large."


def body_limit_for(path: str) -> int:
    for pattern, limit in settings.HUB_REQUEST_LARGE_BODIES:
        if re.fullmatch(pattern, path):
            return max(limit, settings.HUB_REQUEST_MAX_BYTES)
    return settings.HUB_REQUEST_MAX_BYTES


class RequestBodyLimit:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit_for(scope.get("path", ""))
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(scope, send)
            return
        if declared is not None:
            # The server stops reading at the declared length, so the limit already holds.
            await self.app(scope, receive, send)
            return
        messages = await _body_up_to(receive, limit)
        if messages is None:
            await _refuse(scope, send)
            return
        await self.app(scope, _replay(messages, receive), send)


def _content_length(scope: dict[str, Any]) -> int | None:
    for name, value in scope.get("headers") or ():
        if name == b"content-length":
            # Malformed lengths are the server's to refuse; treat them as too large here.
            return int(value) if value.isdigit() else 1 << 62
    return None


async def _body_up_to(receive: Any, limit: int) -> list[dict[str, Any]] | None:
    messages, size = [], 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages
        size += len(message.get("body", b""))
        if size > limit:
            return None
        if not message.get("more_body", False):
            return messages


def _replay(messages: list[dict[str, Any]], receive: Any) -> Any:
    pending = list(messages)

    async def replayed() -> dict[str, Any]:
        return pending.pop(0) if pending else await receive()

    return replayed


def _refusal_record(source_ip: str | None, path: str) -> None:
    try:
        security_event_record("oversized_body", source_ip=source_ip, path=path,
                              detail={"reason": "request body over the limit"})
    finally:
        connections.close_all()  # outside a request nothing else hands the connection back


async def _refuse(scope: dict[str, Any], send: Any) -> None:
    client = scope.get("client") or ("", 0)
    await sync_to_async(_refusal_record, thread_sensitive=False)(
        client[0] or None, scope.get("path", ""))
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(TOO_LARGE)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": TOO_LARGE})
