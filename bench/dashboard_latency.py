"""Inbound webhook → coordinator dashboard updated, at 200 messages a second, on PostgreSQL and
Redis with a real web server and Celery worker: p50 and p99.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/3 \\
        .venv/bin/python bench/dashboard_latency.py [--rate 200 --seconds 10]

Starts `manage.py serve` and `celery worker` on 127.0.0.1 against the database hub_bench_triage
(reset here). A signed-in coordinator's page is simulated the way live.js behaves: a websocket
that only notifies, and one coalesced HTTP fetch of the queue at a time. A message counts as on
the dashboard when a fetched queue says it is up to date through that message. Measured from the
moment intake committed. Baseline: the same fetch of the queue on an idle hub.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import time
import uuid

from _setup import ROOT, django_setup

PASSWORD = "bench password for the coordinator"
NEWEST = re.compile(r'data-newest-message="(\d+)"')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=int, default=200, help="messages a second")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=2, help="web processes")
    args = parser.parse_args()
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/3")
    if "127.0.0.1" not in redis_url and "localhost" not in redis_url:
        sys.exit("benchmarks run against 127.0.0.1 only")
    django_setup(redis_url)
    code = _reset_and_enrol()
    processes = _start_services(args.port, args.workers)
    try:
        asyncio.run(_run(args, code))
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=20)


def _reset_and_enrol() -> str:
    from django.db import connection
    from django_otp.oath import TOTP

    from contact_hub.staff.models import StaffUser
    from contact_hub.staff.services import staff_create

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE conversations_message, conversations_conversation, "
                       "people_identity, people_person, followups_followup, "
                       "triage_contacttriage, triage_riskflag, triage_claim CASCADE")
    StaffUser.objects.filter(username="benchcoord").delete()
    device = staff_create(username="benchcoord", role="coordinator",
                          password=PASSWORD).user.totpdevice_set.get()
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"


ACCOUNT_SID = "AC" + "d" * 32
AUTH_TOKEN = "bench-dashboard-token"
HUB_NUMBER = "+447700900000"
INBOUND = "/sms/twilio/inbound/"


def _twilio_env(port: int) -> dict[str, str]:
    return {"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_SMS_NUMBERS": HUB_NUMBER, "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"}


def _start_services(port: int, workers: int) -> list[subprocess.Popen]:
    env = dict(os.environ) | _twilio_env(port)
    python = sys.executable
    server = subprocess.Popen([python, "manage.py", "serve", "--port", str(port), "--workers",
                               str(workers)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    worker = subprocess.Popen([python, "-m", "celery", "-A", "contact_hub", "worker",
                               "--concurrency", "2", "--loglevel", "WARNING"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(6)  # let the server bind and the worker join the broker
    return [server, worker]


class Page:
    """What live.js does: on any event, fetch the queue; one fetch at a time, plus one more if
    events arrived meanwhile."""

    def __init__(self, session, base: str) -> None:
        self.session, self.base = session, base
        self.running = self.again = False
        self.synced: list[tuple[float, int]] = []  # (when, up to message id)
        self.fetch_times: list[float] = []

    async def refresh(self) -> None:
        if self.running:
            self.again = True
            return
        self.running = True
        try:
            while True:
                self.again = False
                started = time.time()
                async with self.session.get(f"{self.base}/triage/queue/") as response:
                    body = await response.text()
                done = time.time()
                self.fetch_times.append(done - started)
                found = NEWEST.search(body)
                self.synced.append((done, int(found.group(1)) if found else 0))
                if not self.again:
                    break
        finally:
            self.running = False


async def _run(args: argparse.Namespace, code: str) -> None:
    import aiohttp

    base = f"http://127.0.0.1:{args.port}"
    # unsafe=True: keep cookies for an IP-address host (127.0.0.1).
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        await _sign_in(session, base, code)
        page = Page(session, base)
        baseline = [await _timed_fetch(session, base) for _ in range(20)]
        events: dict[int, float] = {}
        async with session.ws_connect(f"{base}/ws/hub/", headers={"Origin": base}) as socket:
            listening = asyncio.create_task(_listen(socket, page, events))
            sent = await _produce(args.rate, args.seconds, args.port)
            await asyncio.sleep(3)
            await page.refresh()
            listening.cancel()
    committed = await asyncio.to_thread(_by_message_id, sent)
    _report(args, committed, events, page, baseline)


async def _sign_in(session, base: str, code: str) -> None:
    async with session.get(f"{base}/staff/login/") as response:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"',
                          await response.text()).group(1)
    async with session.post(f"{base}/staff/login/", data={
            "csrfmiddlewaretoken": token, "username": "benchcoord", "password": PASSWORD,
            "code": code}, allow_redirects=False) as response:
        if response.status != 302:
            sys.exit(f"sign-in failed: {response.status}")


async def _timed_fetch(session, base: str) -> float:
    started = time.time()
    async with session.get(f"{base}/triage/queue/") as response:
        await response.text()
    return time.time() - started


async def _listen(socket, page: Page, events: dict[int, float]) -> None:
    async for frame in socket:
        event = frame.json()
        if event.get("kind") == "messages.received":
            for message_id in event["message_ids"]:
                events[message_id] = time.time()
        asyncio.get_running_loop().create_task(page.refresh())


async def _produce(rate: int, seconds: int, port: int) -> dict[str, float]:
    """Signed Twilio webhooks at a steady rate (open loop). Returns when each was due, by SID."""
    from urllib.parse import urlencode

    from twilio.request_validator import RequestValidator

    from bench.common import RawHttpClient, open_loop

    texts = ["my ex is outside again, I can't talk", "my car was broken into overnight",
             "he said he'll hurt the kids", "loud party at number 12"]
    validator, url = RequestValidator(AUTH_TOKEN), f"http://127.0.0.1:{port}{INBOUND}"
    client = RawHttpClient("127.0.0.1", port, connections=128)
    requests, sids = [], []
    for n in range(rate * seconds):
        form = {"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": ACCOUNT_SID,
                "From": f"+44770090{n % 10000:04d}", "To": HUB_NUMBER, "NumMedia": "0",
                "Body": texts[n % len(texts)]}
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   "X-Twilio-Signature": validator.compute_signature(url, form)}
        requests.append(client.request("POST", INBOUND, urlencode(form).encode(), headers))
        sids.append(form["MessageSid"])
    due: dict[str, float] = {}
    start = time.time()

    async def post(n: int) -> bool:
        due[sids[n]] = start + n / rate
        return await client.send(requests[n]) == 200

    result = await open_loop("webhooks", rate, seconds, post)
    await client.close()
    print(result.line())
    return due


def _by_message_id(sent: dict[str, float]) -> dict[int, float]:
    from contact_hub.conversations.models import Message

    ids = Message.objects.filter(provider="twilio", provider_message_id__in=list(sent)) \
        .values_list("provider_message_id", "pk")
    return {pk: sent[sid] for sid, pk in ids}


def _percentiles(values: list[float]) -> str:
    if not values:
        return "none measured"
    values = sorted(values)
    p = lambda q: values[min(len(values) - 1, int(q * len(values)))] * 1000  # noqa: E731
    return (f"p50 {p(0.50):6.1f} ms  p99 {p(0.99):6.1f} ms  max {values[-1] * 1000:6.1f} ms  "
            f"(n={len(values)})")


def _report(args, committed, events, page, baseline) -> None:
    seen = []
    synced = sorted(page.synced)
    for message_id, at in committed.items():
        when = next((t for t, upto in synced if upto >= message_id and t >= at), None)
        if when is not None:
            seen.append(when - at)
    event_latency = [events[m] - at for m, at in committed.items() if m in events]
    span = max(committed.values()) - min(committed.values())
    print(f"{len(committed)} messages in {span:.1f} s ({len(committed) / span:.0f}/s, asked "
          f"{args.rate}/s); {len(page.fetch_times)} queue fetches")
    print(f"webhook sent → websocket event:       {_percentiles(event_latency)}")
    print(f"webhook sent → dashboard updated:     {_percentiles(seen)}")
    print(f"queue fetch under load:               {_percentiles(page.fetch_times)}")
    print(f"baseline, queue fetch on an idle hub: {_percentiles(baseline)}")
    print("bar: dashboard updated p99 under 100 ms")
    lost = len(committed) - len(seen)
    if lost:
        print(f"{lost} messages never shown as synced")


if __name__ == "__main__":
    main()
