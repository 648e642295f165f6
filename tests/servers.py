"""Real servers for tests: the hub's ASGI app under uvicorn, on a free loopback port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def hub_server() -> Iterator[str]:
    """Serve the hub in a thread of this process (so it sees the test database); yields its URL."""
    port = free_port()
    config = uvicorn.Config("contact_hub.asgi:application", host="127.0.0.1", port=port,
                            log_config=None, lifespan="off", ws="auto")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the hub server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
