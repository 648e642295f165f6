"""Shared bench plumbing: a fresh database, the hub under uvicorn, and open-loop load."""

from __future__ import annotations

import asyncio
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


def fresh_database(name: str) -> str:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"


def hub_env(database_url: str, **extra: str) -> dict[str, str]:
    return os.environ | {"DATABASE_URL": database_url, "REDIS_URL": REDIS_URL,
                         "SECRET_KEY": "bench-" + "k" * 50, "LOG_LEVEL": "WARNING",
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
        _wait(base + "/health/")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=15)


def _wait(url: str) -> None:
    import httpx

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} never answered")


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

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]

    def line(self) -> str:
        return (f"{self.name:<28} {self.ok:>6}/{self.sent:<6} {self.throughput:>8.1f}/s "
                f"p50 {self.percentile(50):>7.1f} ms  p99 {self.percentile(99):>7.1f} ms  "
                f"mean {statistics.fmean(self.latencies_ms):>6.1f} ms")


async def open_loop(name: str, rate: float, seconds: float,
                    request: Callable[[int], Awaitable[bool]]) -> LoadResult:
    """Start one request every 1/rate seconds whatever the server does (no coordinated
    omission): latency counts from the planned start time."""
    total = int(rate * seconds)
    latencies: list[float] = []
    ok = 0
    start = time.perf_counter()

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
