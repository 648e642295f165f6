"""Shared bench plumbing: a fresh database, the hub under uvicorn, and open-loop load."""

from __future__ import annotations

import asyncio
import gc
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/5")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Added to every bench database's name, so that two people benchmarking on one server (each
# with a Redis db of their own, REDIS_URL) do not drop each other's databases.
DB_SUFFIX = os.environ.get("BENCH_DB_SUFFIX", "")


def fresh_database(name: str) -> str:
    name += DB_SUFFIX
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"


def commit_latency_probe(database_url: str, seconds: float = 10, rate: float = 200) -> LoadResult:
    """One-row inserts, each committed, one at a time at `rate` a second straight to PostgreSQL:
    what this disk's flushes alone cost a durable write, the floor under any web figure."""
    latencies = []
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_probe (id bigserial PRIMARY KEY)")
        start = time.perf_counter()
        for n in range(int(seconds * rate)):
            delay = start + n / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            began = time.perf_counter()
            conn.execute("INSERT INTO bench_probe DEFAULT VALUES")
            latencies.append((time.perf_counter() - began) * 1000)
        conn.execute("DROP TABLE bench_probe")
    return LoadResult(f"commit alone @ {rate:g}/s", len(latencies), len(latencies),
                      time.perf_counter() - start, latencies)


def hub_env(database_url: str, **extra: str) -> dict[str, str]:
    return os.environ | {"DATABASE_URL": database_url, "REDIS_URL": REDIS_URL,
                         "SECRET_KEY": "bench-" + "k" * 50, "LOG_LEVEL": "WARNING",
                         "HUB_LOG_CHAIN_KEY": "bench-log-" + "k" * 50,
                         # Plain HTTP on loopback: no redirect to https.
                         "HUB_HTTPS": "0",
                         "DJANGO_SETTINGS_MODULE": "bench.settings"} | extra


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)


@contextmanager
def hub_server(env: dict[str, str], port: int, workers: int) -> Iterator[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "contact_hub.asgi:application", "--host",
         "127.0.0.1", "--port", str(port), "--workers", str(workers), "--no-access-log",
         "--log-level", "warning", "--lifespan", "off"],
        cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        server_wait(base + "/health/")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=15)


def server_wait(url: str, seconds: float = 30) -> None:
    """Until the server answers 200 at `url`; RuntimeError after `seconds`."""
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} never answered")


_wait = server_wait  # the name bench/rvr.py knows it by


@dataclass
class LoadResult:
    name: str
    sent: int
    ok: int
    seconds: float
    latencies_ms: list[float]

    @property
    def throughput(self) -> float:
        return self.ok / self.seconds

    @classmethod
    def merged(cls, results: list[LoadResult]) -> LoadResult:
        """Runs of one load taken in turns with others, as one."""
        return cls(results[0].name, sum(r.sent for r in results), sum(r.ok for r in results),
                   sum(r.seconds for r in results),
                   [ms for r in results for ms in r.latencies_ms])

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]

    def line(self) -> str:
        return (f"{self.name:<28} {self.ok:>6}/{self.sent:<6} {self.throughput:>8.1f}/s "
                f"p50 {self.percentile(50):>7.1f} ms  p99 {self.percentile(99):>7.1f} ms  "
                f"mean {statistics.fmean(self.latencies_ms):>6.1f} ms")


@contextmanager
def no_collector_pauses() -> Iterator[None]:
    """No garbage-collector pauses in the load generator while it times requests: a full
    collection over its tens of thousands of prepared requests stalls every request in flight
    and would be charged to the server."""
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()


async def open_loop(name: str, rate: float, seconds: float,
                    request: Callable[[int], Awaitable[bool]], *,
                    on_start: Callable[[float], None] | None = None) -> LoadResult:
    """Start one request every 1/rate seconds whatever the server does (no coordinated
    omission): latency counts from the planned start time. `on_start` is told the wall-clock
    time request 0 is planned for (request n: n / rate after it)."""
    with no_collector_pauses():
        return await _open_loop(name, rate, seconds, request, on_start)


async def _open_loop(name: str, rate: float, seconds: float,
                     request: Callable[[int], Awaitable[bool]],
                     on_start: Callable[[float], None] | None = None) -> LoadResult:
    total = int(rate * seconds)
    latencies: list[float] = []
    ok = 0
    start = time.perf_counter()
    if on_start is not None:
        on_start(time.time())

    async def one(n: int) -> None:
        nonlocal ok
        planned = start + n / rate
        delay = planned - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if await request(n):
            ok += 1
        latencies.append((time.perf_counter() - planned) * 1000)

    await asyncio.gather(*(one(n) for n in range(total)))
    return LoadResult(name, total, ok, time.perf_counter() - start, latencies)


async def closed_loop(name: str, concurrency: int, seconds: float,
                      request: Callable[[int], Awaitable[bool]]) -> LoadResult:
    """As fast as the server goes with `concurrency` requests in flight: its throughput."""
    with no_collector_pauses():
        return await _closed_loop(name, concurrency, seconds, request)


async def _closed_loop(name: str, concurrency: int, seconds: float,
                       request: Callable[[int], Awaitable[bool]]) -> LoadResult:
    latencies: list[float] = []
    ok = sent = 0
    start = time.perf_counter()
    counter = iter(range(10**9))

    async def worker() -> None:
        nonlocal ok, sent
        while time.perf_counter() - start < seconds:
            n = next(counter)
            t0 = time.perf_counter()
            sent += 1
            if await request(n):
                ok += 1
            latencies.append((time.perf_counter() - t0) * 1000)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return LoadResult(name, sent, ok, time.perf_counter() - start, latencies)


class RawHttpClient:
    """A keep-alive HTTP/1.1 client that sends pre-built requests over plain asyncio streams.

    The benches share two cores with the server they measure; httpx spends 2 to 3 ms of CPU a
    request, which the server would otherwise have. This spends a fraction of that, so the
    figures are the server's, not the load generator's.
    """

    def __init__(self, host: str, port: int, connections: int) -> None:
        self.host, self.port, self.size = host, port, connections
        self.pool: asyncio.Queue = asyncio.Queue()
        self.opened = 0

    @staticmethod
    def request(method: str, path: str, body: bytes, headers: dict[str, str]) -> bytes:
        lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1",
                 f"Content-Length: {len(body)}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body

    async def send(self, raw: bytes) -> int:
        """Send one pre-built request; returns the response's status code."""
        if self.pool.empty() and self.opened < self.size:
            self.opened += 1
            await self.pool.put(await asyncio.open_connection(self.host, self.port))
        reader, writer = await self.pool.get()
        try:
            writer.write(raw)
            status = await self._response(reader)
        except BaseException:
            writer.close()
            self.opened -= 1
            raise
        await self.pool.put((reader, writer))
        return status

    @staticmethod
    async def _response(reader: asyncio.StreamReader) -> int:
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        headers = head.lower()
        if b"transfer-encoding: chunked" in headers:
            while True:
                size = int((await reader.readuntil(b"\r\n")).strip(), 16)
                await reader.readexactly(size + 2)
                if size == 0:
                    return status
        marker = headers.find(b"content-length:")
        if marker >= 0:
            length = int(headers[marker + 15:headers.index(b"\r\n", marker)])
            await reader.readexactly(length)
        return status

    async def close(self) -> None:
        while not self.pool.empty():
            _, writer = self.pool.get_nowait()
            writer.close()
