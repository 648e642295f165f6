"""A local HTTP server standing in for an outside provider's API (Graph API, X, a media host).

Requests go through the real HTTP client to 127.0.0.1; the server records each one and answers
with what the test queued, or 200 with the default body.
"""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class ProviderServer:
    url: str
    requests: list[Recorded] = field(default_factory=list)
    # (status, body bytes or JSON-able, headers) answered in order; then `default`.
    replies: list[tuple[int, Any, dict[str, str]]] = field(default_factory=list)
    default: tuple[int, Any, dict[str, str]] = (200, {}, {})

    def reply(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        self.replies.append((status, {} if body is None else body, headers or {}))


@contextmanager
def provider_server(tls: ssl.SSLContext | None = None) -> Iterator[ProviderServer]:
    """Serves plain HTTP, or HTTPS with `tls` (a server-side context holding its certificate)."""
    state = ProviderServer(url="")

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            state.requests.append(Recorded(self.command, self.path, dict(self.headers),
                                           self.rfile.read(length)))
            status, body, headers = state.replies.pop(0) if state.replies else state.default
            raw = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        do_GET = do_POST = _answer

        def log_message(self, *args: object) -> None:
            """Quiet: tests read the recorded requests instead."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    state.url = f"{'https' if tls else 'http'}://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
