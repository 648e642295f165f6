"""Rapid Video Response benchmark: the hub under uvicorn with a Celery worker on PostgreSQL and
Redis, driven by headless Chromium with fake cameras (victim and officer in separate contexts).

    .venv/bin/python bench/rvr.py [--links 20] [--calls 5] [--cpu-seconds 10]

Prints:
- send link: the coordinator's POST to the text handed to the provider (the outbox backend);
  aim under 200 ms;
- join: the victim presses "join" to the waiting room with the connection check done; aim
  under 5 s;
- accept: the officer presses "accept" to video frames decoded in both browsers, on both
  connect paths in the same run, taken in turns: the old one (Accept navigates to the call
  page, which then gets the camera and builds the connection) and the new one (the console made
  the connection ready while the victim waited, her side too; its offer goes with the Accept,
  and her video plays on the console before the rest of the call page comes); aim: the new
  one's median under 0.5 s;
- server CPU during an established call (media is browser to browser, so near zero).
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, _wait, free_port, fresh_database, hub_env, manage

PORT = free_port()  # two people benchmarking on one server do not meet
BASE = f"http://127.0.0.1:{PORT}"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--use-fake-ui-for-media-stream",
                 "--use-fake-device-for-media-stream", "--disable-background-networking"]
FIRST_FRAME = """selector => new Promise(resolve => {
  const video = document.querySelector(selector);
  video.requestVideoFrameCallback(() => resolve(Date.now()));
})"""


@contextmanager
def services(env: dict[str, str]) -> Iterator[subprocess.Popen]:
    """The hub (one uvicorn worker, so its CPU is one process's) and a Celery worker."""
    web = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "contact_hub.asgi:application", "--host",
         "127.0.0.1", "--port", str(PORT), "--no-access-log", "--log-level", "warning",
         "--lifespan", "off"], cwd=ROOT, env=env)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "contact_hub", "worker", "--pool", "solo",
         "--loglevel", "WARNING"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    try:
        _wait(BASE + "/health/")
        time.sleep(2)  # the worker connects to the broker
        yield web
    finally:
        for process in (web, worker):
            process.terminate()
            process.wait(timeout=15)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Hub:
    """Django in this process, on the bench database, to prepare records and sessions."""

    def __init__(self, env: dict[str, str]) -> None:
        # The server's settings (its SECRET_KEY signs the sessions made here).
        os.environ.update(env, DJANGO_ALLOW_ASYNC_UNSAFE="true")
        import django

        django.setup()
        from contact_hub.staff.services import staff_create

        password = secrets.token_urlsafe(16)
        staff_create(username="coordinator", role="coordinator", password=password)
        staff_create(username="officer", role="rvr_officer", password=password)

    def cookies(self, username: str) -> list[dict[str, str]]:
        from django.test import Client
        from django_otp import DEVICE_ID_SESSION_KEY

        from contact_hub.staff.models import StaffUser

        user = StaffUser.objects.get(username=username)
        client = Client()
        client.force_login(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = user.totpdevice_set.get().persistent_id
        session.save()
        return [{"name": "sessionid", "value": session.session_key, "url": BASE},
                {"name": "csrftoken", "value": "b" * 32, "url": BASE}]

    def consented_assessment(self, n: int) -> int:
        from contact_hub.conversations.intake import InboundMessage, message_intake
        from contact_hub.incidents.services import incident_open
        from contact_hub.staff.models import StaffUser
        from rvr.eligibility import rvr_check_record, rvr_consent_record
        from rvr.models import SAFETY_CHECKS

        coordinator = StaffUser.objects.get(username="coordinator")
        message = message_intake(InboundMessage(
            channel="sms", provider="twilio", provider_message_id=f"SMbench{n}",
            sender=f"+447700900{n % 1000:03d}", text="Can someone talk to me?")).message
        incident = incident_open(opening_code="DOMESTIC", grade="priority", actor=coordinator,
                                 message=message)
        checked = rvr_check_record(incident=incident, answers=dict.fromkeys(SAFETY_CHECKS, True),
                                   actor=coordinator)
        # No officer sets themselves available here: the coordinator told her the wait.
        return rvr_consent_record(assessment=checked, consent=True, actor=coordinator,
                                  wait_told=True).pk

    def calls_ended(self, seconds: float = 15) -> None:
        from rvr.models import VideoSession

        deadline = time.monotonic() + seconds
        while VideoSession.objects.filter(status=VideoSession.Status.IN_CALL).exists():
            if time.monotonic() > deadline:
                raise RuntimeError("the call did not end")
            time.sleep(0.02)

    def outbox_count(self) -> int:
        from contact_hub.conversations.models import OutboxEntry

        return OutboxEntry.objects.count()

    def last_link(self) -> str:
        from contact_hub.conversations.models import OutboxEntry

        body = OutboxEntry.objects.order_by("-pk").values_list("body", flat=True).first()
        return re.search(r"https?://\S+/v/[A-Za-z0-9_-]+/", body).group(0)

    def server_send_ms(self) -> list[float]:
        """Per link: the service starting (link_sent_at) to the provider storing the text."""
        from contact_hub.conversations.models import OutboxEntry
        from rvr.models import VideoSession

        times = []
        # In link order; a text whose receipt is still being written has no provider id yet.
        for session in VideoSession.objects.select_related("message").order_by("pk").filter(
                message__provider_message_id__startswith="outbox-"):
            entry = OutboxEntry.objects.get(pk=int(session.message.provider_message_id
                                                   .removeprefix("outbox-")))
            times.append((entry.created_at - session.link_sent_at).total_seconds() * 1000)
        return times


def send_links(hub: Hub, count: int) -> list[float]:
    import httpx

    cookies = {c["name"]: c["value"] for c in hub.cookies("coordinator")}
    latencies = []
    with httpx.Client(base_url=BASE, cookies=cookies, timeout=10) as client:
        for n in range(count):
            assessment = hub.consented_assessment(n)
            before = hub.outbox_count()
            started = time.perf_counter()
            response = client.post(f"/rvr/checks/{assessment}/send/", data={"channel": "sms"},
                                   headers={"X-CSRFToken": "b" * 32, "Origin": BASE})
            assert response.status_code == 302, response.status_code
            while hub.outbox_count() == before:
                if time.perf_counter() - started > 5:
                    raise RuntimeError("the text never reached the provider")
                time.sleep(0.001)
            latencies.append((time.perf_counter() - started) * 1000)
    return latencies


# The old connect, for the comparison only: the console prepares nothing and Accept navigates
# to the call page, which gets the camera and builds its connection; the victim's page builds
# hers when the offer comes (officer_connect.js and victim.js read this flag).
OLD_CONNECT = "window.RVR_BENCH_OLD_CONNECT = true;"


@dataclass
class CallFigures:
    joins: list[float] = field(default_factory=list)
    accepts: list[float] = field(default_factory=list)


def calls(hub: Hub, browser: Any, count: int, cpu_window: float,
          web: subprocess.Popen) -> tuple[dict[str, CallFigures], float]:
    """`count` calls on each path, taken in turns (old, new, old, ...) so that both meet the
    same load on this shared machine."""
    figures = {"old": CallFigures(), "new": CallFigures()}
    cpu = 0.0
    for n in range(count):
        for path in ("old", "new"):
            join, accept, end = _call(hub, browser, 2000 + 2 * n + (path == "new"), path)
            figures[path].joins.append(join)
            figures[path].accepts.append(accept)
            if n == count - 1 and path == "new":
                cpu = _server_cpu(web.pid, cpu_window)
            end()
    return figures, cpu


def _call(hub: Hub, browser: Any, n: int, path: str
          ) -> tuple[float, float, Callable[[], None]]:
    """One call: the victim joins and waits, the officer accepts; its join and accept figures,
    and how to end it. The new path's officer sits on the console while she waits (as on
    shift), the old path's opens it then."""
    officer_context = browser.new_context()
    officer_context.add_cookies(hub.cookies("officer"))
    victim_context = browser.new_context(viewport={"width": 390, "height": 844})
    if path == "old":
        for context in (officer_context, victim_context):
            context.add_init_script(OLD_CONNECT)
    officer = officer_context.new_page()
    if path == "new":
        officer.goto(BASE + "/rvr/")
    _post_link(hub, hub.consented_assessment(n))
    victim = victim_context.new_page()
    victim.goto(hub.last_link())
    started = time.perf_counter()
    victim.get_by_role("button", name="Join").click()
    victim.get_by_role("heading", name="Please wait").wait_for(timeout=30000)
    join = (time.perf_counter() - started) * 1000

    victim.evaluate("s => { window.firstFrame = (" + FIRST_FRAME + ")(s); }", "[data-remote]")
    if path == "old":
        officer.goto(BASE + "/rvr/")
    else:
        officer.wait_for_selector("#waiting[data-prepared=yes]", timeout=30000)
    clicked = time.time() * 1000
    officer.get_by_role("button", name="Accept").click()
    try:
        officer.wait_for_url(re.compile(r"/call/$"))
    except Exception as error:
        raise RuntimeError(f"call {n} ({path} path): still on {officer.url} after Accept: "
                           f"{officer.locator('main').inner_text()[:300]!r}") from error
    officer_frame = officer.evaluate(FIRST_FRAME, "#remote-video")
    victim_frame = victim.evaluate("() => window.firstFrame")

    def end() -> None:
        officer.get_by_role("button", name="End call").click()
        hub.calls_ended()  # before the page goes: the officer is free for the next call
        officer_context.close()
        victim_context.close()

    return join, max(officer_frame, victim_frame) - clicked, end


def _post_link(hub: Hub, assessment: int) -> None:
    import httpx

    cookies = {c["name"]: c["value"] for c in hub.cookies("coordinator")}
    before = hub.outbox_count()
    httpx.post(f"{BASE}/rvr/checks/{assessment}/send/", data={"channel": "sms"},
               cookies=cookies, headers={"X-CSRFToken": "b" * 32, "Origin": BASE})
    while hub.outbox_count() == before:
        time.sleep(0.01)


def _server_cpu(pid: int, seconds: float) -> float:
    """The hub process's CPU share while a call runs, media flowing browser to browser."""
    before, started = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    return 100 * (cpu_seconds(pid) - before) / (time.monotonic() - started)


def summary(name: str, values: list[float], unit: str = "ms") -> str:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    return (f"{name:<44} n={len(values):<3} median {statistics.median(values):8.1f} {unit}  "
            f"p90 {p90:8.1f} {unit}  max {max(values):8.1f} {unit}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--links", type=int, default=20)
    parser.add_argument("--calls", type=int, default=5, help="calls on each connect path")
    parser.add_argument("--cpu-seconds", type=float, default=10)
    args = parser.parse_args()
    database_url = fresh_database("hub_bench_rvr")
    env = hub_env(database_url, HUB_TEXT_BACKEND="contact_hub.conversations.sending.OutboxBackend",
                  RVR_LINK_BASE_URL=BASE, DJANGO_SETTINGS_MODULE="contact_hub.settings")
    manage(env, "migrate", "--noinput")
    hub = Hub(env)
    from playwright.sync_api import sync_playwright

    with services(env) as web, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"),
                                             headless=True, args=CHROMIUM_ARGS)
        send_links(hub, 3)  # warm-up
        sends = send_links(hub, args.links)
        server_sends = hub.server_send_ms()[-args.links:]
        load_before = os.getloadavg()
        figures, cpu = calls(hub, browser, args.calls, args.cpu_seconds, web)
        load_after = os.getloadavg()
        browser.close()
    print("\nPostgreSQL, Redis, one uvicorn worker and a Celery worker on 127.0.0.1; "
          "Chromium with fake devices; 2 cores shared")
    print("load average (1, 5, 15 min) before the calls "
          + " ".join(f"{x:.2f}" for x in load_before) + ", after "
          + " ".join(f"{x:.2f}" for x in load_after))
    print(summary("send link: POST to text at the provider", sends))
    print(summary("send link: service start to provider (server)", server_sends))
    print(summary("join to waiting room, check done (old)", figures["old"].joins))
    print(summary("join to waiting room, check done (new)", figures["new"].joins))
    print(summary("accept to video both ways, old: navigate", figures["old"].accepts))
    print(summary("accept to video both ways, new: prepared", figures["new"].accepts))
    print(f"{'server CPU during an established call':<44} {cpu:.1f}% of one core "
          f"over {args.cpu_seconds:g} s")
    print("\naims: send link < 200 ms; join < 5000 ms; accept (new) median < 500 ms; "
          "server CPU near zero")


if __name__ == "__main__":
    main()
