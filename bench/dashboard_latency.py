"""Inbound webhook → every open coordinator dashboard updated, on PostgreSQL and Redis with a
real web server and Celery worker: p50 and p99, beside the floor (intake alone at the same rate)
and where the time goes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/3 \\
        .venv/bin/python bench/dashboard_latency.py [--rate 100 --seconds 10 --pages 1]

Starts `manage.py serve` and `celery worker` on 127.0.0.1 against the database hub_bench_triage
(+ BENCH_DB_SUFFIX; reset here, and the Redis database REDIS_URL names is emptied), after every
sender has texted once. Then, at the same rate, for the same time:

1. the floor: the webhooks with no dashboard open (their answer, and the commit);
2. the dashboards: N coordinators, each signed in with a page that behaves as live.js does: a
   websocket on which each new contact's row arrives rendered, at intake and again once the
   worker has triaged it (placed with no fetch); the whole queue fetched again once rows pause
   (2 to 3 s, or 10 to 15 s at most, spread per page) and on any other event; a row the server
   says to fetch on its own fetched so. Every fetch of every page is counted.

A message counts as on a dashboard when its row arrives at that page (a row sorting below the
page's 50 is rightly not shown, but the page is up to date). Measured from the moment its
webhook was due to be sent, across every page. The bench checks that every accepted webhook was
stored once and reached every page once. Baseline: the whole-queue fetch (50 rows) on an idle
hub with the queue long (the worker caught up, and the tables' statistics gathered, as
autovacuum keeps them on a hub that has been running), and the CPU the web server and
PostgreSQL spent on each.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from _setup import ROOT, django_setup

PASSWORD = "bench password for the coordinator"
ORDER = re.compile(r'data-order="([^"]+)"')
LIMIT = 50  # the rows a dashboard shows (contact_hub.triage.queue.QUEUE_LIMIT)
# live.js: the whole queue again after rows pause, or at most this late (each page's own, spread
# as live.js spreads them).
QUIET, MOST = 2.0, 10.0
QUIET_SPREAD, MOST_SPREAD = 1.0, 5.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=int, default=100, help="messages a second")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--pages", type=int, default=1, help="coordinator dashboards open")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=2, help="web processes")
    parser.add_argument("--senders", type=int, default=500,
                        help="distinct numbers texting (more means more first contacts)")
    args = parser.parse_args()
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/3")
    if "127.0.0.1" not in redis_url and "localhost" not in redis_url:
        sys.exit("benchmarks run against 127.0.0.1 only")
    django_setup(redis_url)
    codes = _reset_and_enrol(args.pages, redis_url)
    processes = _start_services(args.port, args.workers)
    try:
        asyncio.run(_run(args, codes, {"web": processes[0].pid, "worker": processes[1].pid}))
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=20)


def _reset_and_enrol(pages: int, redis_url: str) -> list[tuple[str, str]]:
    import redis
    from django.db import connection
    from django_otp.oath import TOTP

    from contact_hub.staff.models import StaffUser
    from contact_hub.staff.services import staff_create

    # Left-over channels of earlier runs would be sent every row too.
    redis.Redis.from_url(redis_url).flushdb()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE conversations_message, conversations_conversation, "
                       "people_identity, people_person, followups_followup, "
                       "triage_contacttriage, triage_riskflag, triage_claim, "
                       "staff_accessevent, staff_accesseventperson CASCADE")
    StaffUser.objects.filter(username__startswith="benchcoord").delete()
    codes = []
    for n in range(pages):
        username = f"benchcoord{n}"
        device = staff_create(username=username, role="coordinator",
                              password=PASSWORD).user.totpdevice_set.get()
        codes.append((username,
                      f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"))
    return codes


ACCOUNT_SID = "AC" + "d" * 32
AUTH_TOKEN = "bench-dashboard-token"
HUB_NUMBER = "+447700900000"
INBOUND = "/sms/twilio/inbound/"


def _twilio_env(port: int) -> dict[str, str]:
    return {"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_SMS_NUMBERS": HUB_NUMBER, "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            # Plain HTTP on loopback: no redirect to https.
            "HUB_HTTPS": "0"}


def _start_services(port: int, workers: int) -> list[subprocess.Popen]:
    env = dict(os.environ) | _twilio_env(port)
    python = sys.executable
    server = subprocess.Popen([python, "manage.py", "serve", "--port", str(port), "--workers",
                               str(workers)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    worker = subprocess.Popen([python, "-m", "celery", "-A", "contact_hub", "worker",
                               "--concurrency", "2", "--loglevel", "WARNING"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    from bench.common import server_wait

    server_wait(f"http://127.0.0.1:{port}/health/", seconds=60)
    time.sleep(2)  # and the worker join the broker
    return [server, worker]


@dataclass
class Page:
    """What live.js does on the dashboard: rows pushed over the websocket are placed as they
    come; the whole queue is fetched again once they pause (QUIET) or at most MOST after the
    first, and on any other event that concerns the queue; one fetch at a time, the events
    arriving meanwhile served together by the next."""

    session: object
    base: str
    arrived: dict[str, dict[int, list[float]]] = field(
        default_factory=lambda: {"rules": defaultdict(list), "triaged": defaultdict(list)})
    fetch_times: dict[str, list[float]] = field(default_factory=lambda: {"new": [], "all": []})
    failed: int = 0
    frames: int = 0
    running: bool = False
    pending: str | None = None  # "new" or "all"
    ids: list[int] = field(default_factory=list)
    first_unsynced: float | None = None
    resync: asyncio.TimerHandle | None = None
    orders: list[str] = field(default_factory=list)
    tasks: set[asyncio.Task] = field(default_factory=set)
    quiet: float = field(default_factory=lambda: QUIET + random.random() * QUIET_SPREAD)
    most: float = field(default_factory=lambda: MOST + random.random() * MOST_SPREAD)

    def spawn(self, mode: str, ids: list[int] = ()) -> None:
        task = asyncio.create_task(self.refresh(mode, ids))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def rows(self, event: dict) -> None:
        now = time.time()
        self.frames += 1
        for row in event["rows"]:
            self.arrived[row["stage"]][int(row["item"].split(":")[1])].append(now)
            self.orders = sorted([*self.orders, row["order"]])[:LIMIT]
        if event.get("fetch"):
            self.spawn("new", event["fetch"])
        if event["rows"]:
            self._resync_later(now)

    def _resync_later(self, now: float) -> None:
        if self.first_unsynced is None:
            self.first_unsynced = now
        if self.resync is not None:
            self.resync.cancel()
        delay = min(self.quiet, max(0.0, self.first_unsynced + self.most - now))
        self.resync = asyncio.get_running_loop().call_later(delay, self.spawn, "all")

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
                if mode == "new" and ids:
                    path = f"/triage/queue/?messages={','.join(map(str, ids))}"
                    if len(self.orders) >= LIMIT:
                        path += f"&before={self.orders[-1]}"
                    await self._fetch(path, "new")
                else:
                    self.first_unsynced = None
                    await self._fetch("/triage/queue/", "all")
        finally:
            self.running = False

    async def _fetch(self, path: str, mode: str) -> None:
        started = time.time()
        async with self.session.get(self.base + path) as response:
            body = await response.text()
        self.fetch_times[mode].append(time.time() - started)
        if response.status != 200:
            self.failed += 1
        orders = ORDER.findall(body)
        self.orders = sorted(orders if mode == "all" else self.orders + orders)[:LIMIT]


async def _run(args: argparse.Namespace, codes: list[tuple[str, str]],
               services: dict[str, int]) -> None:
    import aiohttp

    base = f"http://127.0.0.1:{args.port}"
    # unsafe=True: keep cookies for an IP-address host (127.0.0.1).
    sessions = [aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
                for _ in codes]
    try:
        for session, (username, code) in zip(sessions, codes, strict=True):
            await _sign_in(session, base, username, code)
        # Everyone texting has texted before, as the intake bench has it (first contacts cost
        # more: see bench/intake.py), and the queue is already long.
        await _produce(min(args.rate, 100), args.senders / min(args.rate, 100), args.port,
                       args.senders, name="warm-up: each sender once")
        await asyncio.to_thread(_idle_wait)
        baseline, baseline_cpu = await _baseline(sessions[0], base, services)
        floor = await _produce(args.rate, args.seconds, args.port, args.senders,
                               name="floor: intake alone")
        await asyncio.sleep(3)
        pages = [Page(session, base) for session in sessions]
        looks_before = await asyncio.to_thread(_queue_looks)
        cpu_before = await asyncio.to_thread(_cpu, services)
        sockets = [await session.ws_connect(f"{base}/ws/hub/", headers={"Origin": base})
                   for session in sessions]
        listening = [asyncio.create_task(_listen(s, p)) for s, p in zip(sockets, pages,
                                                                        strict=True)]
        started = time.time()
        sent = await _produce(args.rate, args.seconds, args.port, args.senders,
                              name=f"webhooks, {args.pages} dashboard(s) open")
        await asyncio.sleep(4)
        cpu_used = {kind: seconds - cpu_before[kind]
                    for kind, seconds in (await asyncio.to_thread(_cpu, services)).items()}
        looks = await asyncio.to_thread(_queue_looks) - looks_before
        looked_for = time.time() - started
        for task in listening:
            task.cancel()
        for socket in sockets:
            await socket.close()
    finally:
        for session in sessions:
            await session.close()
    committed = await asyncio.to_thread(_by_message_id, sent.due)
    stages = await asyncio.to_thread(_stages, committed)
    _report(args, committed, sent, floor, pages, baseline, looks, looked_for)
    print("  CPU per idle fetch (ms): " + ", ".join(
        f"{kind} {seconds * 1000:.1f}" for kind, seconds in baseline_cpu.items()))
    _report_stages(committed, stages, pages)
    _report_cpu(cpu_used, len(committed))


async def _sign_in(session, base: str, username: str, code: str) -> None:
    async with session.get(f"{base}/staff/login/") as response:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"',
                          await response.text()).group(1)
    async with session.post(f"{base}/staff/login/", data={
            "csrfmiddlewaretoken": token, "username": username, "password": PASSWORD,
            "code": code}, allow_redirects=False) as response:
        if response.status != 302:
            sys.exit(f"sign-in failed: {response.status}")


BASELINE_FETCHES = 100


def _idle_wait(seconds: float = 60) -> None:
    """Until the worker has triaged every message, then the statistics autovacuum gathers."""
    from django.db import connection

    from contact_hub.followups.models import FollowUp

    deadline = time.time() + seconds
    while FollowUp.objects.filter(done_at__isnull=True).exists() and time.time() < deadline:
        time.sleep(0.5)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


async def _baseline(session, base: str, services: dict[str, int]
                    ) -> tuple[list[float], dict[str, float]]:
    for _ in range(10):  # every web process's connections have planned their statements
        await _timed_fetch(session, base)
    before = await asyncio.to_thread(_cpu, services)
    times = [await _timed_fetch(session, base) for _ in range(BASELINE_FETCHES)]
    after = await asyncio.to_thread(_cpu, services)
    return times, {kind: (after[kind] - before[kind]) / BASELINE_FETCHES
                   for kind in ("web", "postgres")}


async def _timed_fetch(session, base: str) -> float:
    started = time.time()
    async with session.get(f"{base}/triage/queue/") as response:
        await response.text()
    return time.time() - started


async def _listen(socket, page: Page) -> None:
    async for frame in socket:
        event = json.loads(frame.data)
        if "rows" in event:
            page.rows(event)
        elif event.get("kind") not in ("messages.received", "message.status", "resync"):
            page.spawn("all")


@dataclass
class Sent:
    due: dict[str, float]  # when each accepted webhook was due, by SID
    answered: list[float]  # seconds from due to the answer, each accepted webhook
    asked: int


async def _produce(rate: float, seconds: float, port: int, senders: int, *,
                   name: str = "webhooks") -> Sent:
    """Signed Twilio webhooks at a steady rate (open loop)."""
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
    answered: list[float] = []
    started: list[float] = []  # the wall-clock time request 0 was planned for

    async def post(n: int) -> bool:
        at = started[0] + n / rate
        if await client.send(requests[n]) != 200:
            return False
        due[sids[n]] = at
        answered.append(time.time() - at)
        return True

    # A request that goes late is counted late from when it was due, not from when it went.
    result = await open_loop(name, rate, seconds, post, on_start=started.append)
    await client.close()
    print(result.line())
    return Sent(due=due, answered=answered, asked=len(requests))


def _queue_looks() -> int:
    from contact_hub.staff.models import AccessEvent

    return AccessEvent.objects.filter(what="triage queue").count()


def _by_message_id(due: dict[str, float]) -> dict[int, float]:
    from contact_hub.conversations.models import Message

    ids = Message.objects.filter(provider="twilio", provider_message_id__in=list(due)) \
        .values_list("provider_message_id", "pk")
    return {pk: due[sid] for sid, pk in ids}


def _stages(committed: dict[int, float]) -> dict[int, tuple[float, float, float]]:
    """When each message was stored (its created_at), when the worker took its triage run (its
    lease's start) and when that run was marked done (after it had sent the update)."""
    from django.conf import settings

    from contact_hub.conversations.models import Message
    from contact_hub.followups.models import FollowUp

    lease = settings.HUB_FOLLOWUP_LEASE_SECONDS
    stored = dict(Message.objects.filter(pk__in=list(committed)).values_list("pk", "created_at"))
    runs = {row.payload["message_id"]: (row.claimed_until.timestamp() - lease,
                                        row.done_at.timestamp())
            for row in FollowUp.objects.filter(task_name="followups.messages_received",
                                               done_at__isnull=False, attempts=1)}
    return {pk: (stored[pk].timestamp(), *runs[pk])
            for pk in committed if pk in stored and pk in runs}


def _first(page: Page, stage: str, message_id: int) -> float | None:
    times = page.arrived[stage].get(message_id)
    return times[0] if times else None


def _cpu(services: dict[str, int]) -> dict[str, float]:
    """CPU seconds used so far: by the web server's processes, the worker's, this database's
    PostgreSQL backends, Redis (shared with anything else on it) and this load generator.
    Shares of one machine, whatever else is running on it."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                       "AND pid <> pg_backend_pid()")
        backends = [pid for (pid,) in cursor.fetchall()]
    redis_pids = subprocess.run(["pgrep", "-x", "redis-server"], capture_output=True,
                                text=True).stdout.split()
    return {**{kind: sum(map(_cpu_of, _tree(pid))) for kind, pid in services.items()},
            "postgres": sum(map(_cpu_of, backends)),
            "redis": sum(_cpu_of(int(pid)) for pid in redis_pids),
            "load generator": _cpu_of(os.getpid())}


def _tree(pid: int) -> list[int]:
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True,
                              text=True).stdout.split()
    return [pid, *(p for child in children for p in _tree(int(child)))]


def _cpu_of(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _report_cpu(used: dict[str, float], messages: int) -> None:
    print("CPU per message while the dashboards were open (ms): " + ", ".join(
        f"{kind} {seconds * 1000 / messages:.2f}" for kind, seconds in used.items()))


def _report_stages(committed, stages, pages: list[Page]) -> None:
    """Where the time goes, stage by stage (one clock: everything runs on this machine)."""
    intake, rules, hop, run, update = [], [], [], [], []
    for message_id, (stored, taken, done) in stages.items():
        intake.append(stored - committed[message_id])
        hop.append(taken - stored)
        run.append(done - taken)
        for page in pages:
            if (shown := _first(page, "rules", message_id)) is not None:
                rules.append(shown - stored)
            if (updated := _first(page, "triaged", message_id)) is not None:
                update.append(updated - stored)
    print("where the time goes:")
    print(f"  due → stored (web: intake, rules, commit):       {_percentiles(intake)}")
    print(f"  stored → row at the page (push, websocket):      {_percentiles(rules)}")
    print(f"  stored → taken by the worker (Celery hop):       {_percentiles(hop)}")
    print(f"  taken → run done (markers, history, its push):   {_percentiles(run)}")
    print(f"  stored → triaged update at the page:             {_percentiles(update)}")


def _percentiles(values: list[float]) -> str:
    if not values:
        return "none measured"
    values = sorted(values)
    p = lambda q: values[min(len(values) - 1, int(q * len(values)))] * 1000  # noqa: E731
    return (f"p50 {p(0.50):6.1f} ms  p99 {p(0.99):6.1f} ms  max {values[-1] * 1000:6.1f} ms  "
            f"(n={len(values)})")


def _report(args, committed, sent: Sent, floor: Sent, pages: list[Page], baseline, looks: int,
            looked_for: float) -> None:
    shown, updated, never, twice = [], [], 0, 0
    for page in pages:
        for message_id, due in committed.items():
            arrivals = page.arrived["rules"].get(message_id, [])
            twice += len(arrivals) > 1
            first = arrivals[0] if arrivals else _first(page, "triaged", message_id)
            if first is None:
                never += 1
                continue
            shown.append(first - due)
            if (update := _first(page, "triaged", message_id)) is not None:
                updated.append(update - due)
    span = max(committed.values()) - min(committed.values())
    fetches = Counter()
    for page in pages:
        fetches.update({mode: len(times) for mode, times in page.fetch_times.items()})
    print(f"{len(committed)} messages in {span:.1f} s ({len(committed) / span:.0f}/s, asked "
          f"{args.rate}/s), {args.pages} dashboard(s); {fetches['all']} whole-queue and "
          f"{fetches['new']} single-row fetches; "
          f"{sum(p.frames for p in pages)} row frames pushed")
    print(f"floor, intake alone: webhook → answered:    {_percentiles(floor.answered)}")
    print(f"with dashboards:     webhook → answered:    {_percentiles(sent.answered)}")
    print(f"webhook sent → row on every dashboard:      {_percentiles(shown)}")
    print(f"webhook sent → its triaged update there:    {_percentiles(updated)}")
    print(f"whole-queue fetch under load:               "
          f"{_percentiles([t for p in pages for t in p.fetch_times['all']])}")
    print(f"baseline, whole-queue fetch (50 rows), idle: {_percentiles(baseline)}")
    print(f"access events for the queue: {looks} in {looked_for:.0f} s "
          f"({looks / looked_for:.1f}/s for {args.pages} page(s))")
    stored_once = len(committed) == len(sent.due)
    print(f"accepted webhooks stored: {len(committed)} of {len(sent.due)} accepted "
          f"({sent.asked} sent){'' if stored_once else '  ← NOT every accepted webhook'}; "
          f"reached every page once: {never == 0 and twice == 0} "
          f"({never} page-messages missing, {twice} new rows pushed twice)")
    if any(p.failed for p in pages):
        print(f"{sum(p.failed for p in pages)} fetches failed")
    print("bars: one dashboard p99 under 100 ms at 100/s and 250 ms at 200/s; "
          "20 dashboards p99 under 150 ms at 50/s")


if __name__ == "__main__":
    main()
