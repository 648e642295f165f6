"""Inbound webhook → coordinator dashboard updated, at 200 messages a second, on PostgreSQL and
Redis with a real web server and Celery worker: p50 and p99.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/3 \\
        .venv/bin/python bench/dashboard_latency.py [--rate 200 --seconds 10]

Starts `manage.py serve` and `celery worker` on 127.0.0.1 against the database hub_bench_triage
(reset here), after every sender has texted once. A signed-in coordinator's page is simulated
the way live.js behaves: a websocket that only notifies; an event naming triaged messages fetches
just their rows, any other the whole queue; one fetch at a time. A message counts as on the
dashboard when a fetch showing its row comes back (or a whole-queue fetch begun after its event).
Measured from the moment its webhook was due to be sent. Baseline: the whole-queue fetch on an
idle hub with the queue already long.
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
ORDER = re.compile(r'data-order="([^"]+)"')
LIMIT = 50  # the rows a dashboard shows (contact_hub.triage.queue.QUEUE_LIMIT)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=int, default=200, help="messages a second")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=2, help="web processes")
    parser.add_argument("--senders", type=int, default=500,
                        help="distinct numbers texting (more means more first contacts)")
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
    """What live.js does on the dashboard: an event naming triaged messages fetches just those
    rows (?messages=…); any other event fetches the whole queue; one fetch at a time, and the
    events that arrive meanwhile are served together by the next."""

    def __init__(self, session, base: str) -> None:
        self.session, self.base = session, base
        self.running = False
        self.pending: str | None = None  # "new" or "all"
        self.ids: list[int] = []
        self.shown: dict[int, float] = {}  # message id -> when a fetch first showed it
        self.full_fetches: list[tuple[float, float]] = []  # (started, done)
        self.fetch_times: dict[str, list[float]] = {"new": [], "all": []}
        self.failed = 0
        self.orders: list[str] = []

    async def refresh(self, mode: str, ids: list[int] = ()) -> None:
        self.ids += ids
        if self.pending != "all":
            self.pending = mode
        if self.running:
            return
        self.running = True
        try:
            while self.pending:
                mode, ids, self.pending, self.ids = self.pending, self.ids, None, []
                if mode == "new" and ids and len(ids) <= 500:
                    path = f"/triage/queue/?messages={','.join(map(str, ids))}"
                    if len(self.orders) >= LIMIT:
                        path += f"&before={self.orders[-1]}"
                    await self._fetch(path, "new", ids)
                else:
                    await self._fetch("/triage/queue/", "all", [])
        finally:
            self.running = False

    async def _fetch(self, path: str, mode: str, ids: list[int]) -> None:
        started = time.time()
        async with self.session.get(self.base + path) as response:
            body = await response.text()
        done = time.time()
        self.fetch_times[mode].append(done - started)
        # The rows of the named messages that belong in the top of the queue came back; the
        # rest sort below the fold, where the page rightly does not show them.
        for message_id in ids:
            self.shown.setdefault(message_id, done)
        if response.status != 200:
            self.failed += 1
        # The rows the page shows, by their order, as live.js keeps them.
        orders = ORDER.findall(body)
        self.orders = sorted(orders if mode == "all" else self.orders + orders)[:LIMIT]
        if mode == "all":
            self.full_fetches.append((started, done))


async def _run(args: argparse.Namespace, code: str) -> None:
    import aiohttp

    base = f"http://127.0.0.1:{args.port}"
    # unsafe=True: keep cookies for an IP-address host (127.0.0.1).
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        await _sign_in(session, base, code)
        # Everyone texting has texted before, as the intake bench has it (first contacts cost
        # more: see bench/intake.py), and the queue is already long.
        await _produce(min(args.rate, 100), args.senders / min(args.rate, 100), args.port,
                       args.senders, name="warm-up: each sender once")
        await asyncio.sleep(3)
        page = Page(session, base)
        baseline = [await _timed_fetch(session, base) for _ in range(20)]
        events: dict[int, float] = {}
        async with session.ws_connect(f"{base}/ws/hub/", headers={"Origin": base}) as socket:
            listening = asyncio.create_task(_listen(socket, page, events))
            sent = await _produce(args.rate, args.seconds, args.port, args.senders)
            await asyncio.sleep(3)
            listening.cancel()
    committed = await asyncio.to_thread(_by_message_id, sent)
    stages = await asyncio.to_thread(_stages, committed)
    _report(args, committed, events, page, baseline)
    _report_stages(committed, stages, events)


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
    refreshing: set[asyncio.Task] = set()
    async for frame in socket:
        event = frame.json()
        if event.get("kind") == "messages.received":
            for message_id in event["message_ids"]:
                events[message_id] = time.time()
            task = asyncio.create_task(page.refresh("new", event["message_ids"]))
        else:
            task = asyncio.create_task(page.refresh("all"))
        refreshing.add(task)
        task.add_done_callback(refreshing.discard)


async def _produce(rate: float, seconds: float, port: int, senders: int, *,
                   name: str = "webhooks") -> dict[str, float]:
    """Signed Twilio webhooks at a steady rate (open loop). Returns when each was due, by SID."""
    from urllib.parse import urlencode

    from twilio.request_validator import RequestValidator

    from bench.common import RawHttpClient, open_loop

    texts = ["my ex is outside again, I can't talk", "my car was broken into overnight",
             "he said he'll hurt the kids", "loud party at number 12"]
    validator, url = RequestValidator(AUTH_TOKEN), f"http://127.0.0.1:{port}{INBOUND}"
    client = RawHttpClient("127.0.0.1", port, connections=128)
    requests, sids = [], []
    for n in range(int(rate * seconds)):
        form = {"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": ACCOUNT_SID,
                "From": f"+44770090{n % senders:04d}", "To": HUB_NUMBER, "NumMedia": "0",
                "Body": texts[n % len(texts)]}
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   "X-Twilio-Signature": validator.compute_signature(url, form)}
        requests.append(client.request("POST", INBOUND, urlencode(form).encode(), headers))
        sids.append(form["MessageSid"])
    due: dict[str, float] = {}
    started: list[float] = []  # when the open loop sent its first request

    async def post(n: int) -> bool:
        if not started:
            started.append(time.time() - n / rate)
        due[sids[n]] = started[0] + n / rate
        return await client.send(requests[n]) == 200

    result = await open_loop(name, rate, seconds, post)
    await client.close()
    print(result.line())
    return due


def _by_message_id(sent: dict[str, float]) -> dict[int, float]:
    from contact_hub.conversations.models import Message

    ids = Message.objects.filter(provider="twilio", provider_message_id__in=list(sent)) \
        .values_list("provider_message_id", "pk")
    return {pk: sent[sid] for sid, pk in ids}


def _stages(committed: dict[int, float]) -> dict[int, tuple[float, float]]:
    """When each message was stored (its created_at) and when its triage run finished."""
    from contact_hub.conversations.models import Message
    from contact_hub.followups.models import FollowUp

    stored = dict(Message.objects.filter(pk__in=list(committed)).values_list("pk", "created_at"))
    triaged = {row.payload["message_id"]: row.done_at for row in FollowUp.objects.filter(
        task_name="followups.messages_received", done_at__isnull=False)}
    return {pk: (stored[pk].timestamp(), triaged[pk].timestamp())
            for pk in committed if pk in stored and pk in triaged}


def _report_stages(committed, stages, events) -> None:
    """Where the time goes, stage by stage (one clock: everything runs on this machine)."""
    rows = [(committed[m], stored, triaged, events[m]) for m, (stored, triaged) in stages.items()
            if m in events]
    print("where the time goes:")
    print(f"  due → stored (web, intake):        "
          f"{_percentiles([s - due for due, s, _, _ in rows])}")
    print(f"  stored → triaged (Celery, triage): "
          f"{_percentiles([t - s for _, s, t, _ in rows])}")
    print(f"  triaged → event at the page:       "
          f"{_percentiles([e - t for _, _, t, e in rows])}")


def _percentiles(values: list[float]) -> str:
    if not values:
        return "none measured"
    values = sorted(values)
    p = lambda q: values[min(len(values) - 1, int(q * len(values)))] * 1000  # noqa: E731
    return (f"p50 {p(0.50):6.1f} ms  p99 {p(0.99):6.1f} ms  max {values[-1] * 1000:6.1f} ms  "
            f"(n={len(values)})")


def _report(args, committed, events, page, baseline) -> None:
    seen = []
    for message_id, at in committed.items():
        # On the page when a fetch of its row came back, or a whole-queue fetch that began
        # after its event did (the row may sit below the fold, but the page is up to date).
        evented = events.get(message_id)
        whole = [done for started, done in page.full_fetches
                 if evented is not None and started >= evented]
        shown = [t for t in [page.shown.get(message_id), *whole[:1]] if t is not None]
        if shown:
            seen.append(min(shown) - at)
    event_latency = [events[m] - at for m, at in committed.items() if m in events]
    span = max(committed.values()) - min(committed.values())
    fetches = len(page.fetch_times["new"]) + len(page.fetch_times["all"])
    print(f"{len(committed)} messages in {span:.1f} s ({len(committed) / span:.0f}/s, asked "
          f"{args.rate}/s); {fetches} queue fetches "
          f"({len(page.fetch_times['new'])} of just the new rows)")
    print(f"webhook sent → websocket event:       {_percentiles(event_latency)}")
    print(f"webhook sent → dashboard updated:     {_percentiles(seen)}")
    print(f"fetch of the new rows under load:     {_percentiles(page.fetch_times['new'])}")
    print(f"whole-queue fetch under load:         {_percentiles(page.fetch_times['all'])}")
    print(f"baseline, whole-queue fetch, idle:    {_percentiles(baseline)}")
    print("bar: dashboard updated p99 under 100 ms")
    lost = len(committed) - len(seen)
    if lost or page.failed:
        print(f"{lost} messages never shown; {page.failed} fetches failed")


if __name__ == "__main__":
    main()
