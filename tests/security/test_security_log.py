"""The security log, from the outsider's side: a flood of refusals is counted, not stored row
by row, so real events stay in view; a password typed into the username box is kept nowhere;
and what the web server and a Celery worker print holds no number and no link token."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from celery.app.routes import Router
from django.db import connection
from django.test import Client

# Imported as uvicorn imports it, so its django.setup() configures logging before a test's
# capture starts rather than during it.
from contact_hub.asgi import application  # noqa: F401
from contact_hub.celery import app as celery_app
from contact_hub.log_redaction import RedactingFormatter
from contact_hub.staff.models import SecurityEvent
from tests.factories import PASSWORD, totp_code
from tests.servers import hub_server
from tests.staff.conftest import clock  # noqa: F401 - fixture

ROOT = Path(__file__).resolve().parents[2]
FORGER = "198.51.100.23"
NUMBER = "+447700900123"
TOKEN = "Zq3v7XkP0aLm9TbN2cRd5YeWf8Hg1Js4Ku6Mo_Vp-xQ"
TYPED_PASSWORD = "Hunter2-my-password"
X_WEBHOOK = "/social/x/webhook/"


@pytest.mark.django_db
def test_a_flood_of_forged_webhooks_is_one_counted_row_and_a_real_event_stays_in_view(
        clock, settings, standards, staff_client, coordinator):  # noqa: F811
    settings.X_CONSUMER_SECRET, settings.X_USER_ID = "x-consumer-secret", "4001"
    forger = Client(REMOTE_ADDR=FORGER)
    for n in range(500):
        forger.post(X_WEBHOOK, json.dumps({"n": n}), content_type="application/json",
                    HTTP_X_TWITTER_WEBHOOKS_SIGNATURE="sha256=forged")
    staff_client(coordinator).get("/staff/access-log/")

    flood = SecurityEvent.objects.get(kind="bad_signature")
    assert (flood.count, flood.source_ip) == (500, FORGER)
    assert SecurityEvent.objects.count() == 2
    page = staff_client(standards).get("/staff/access-log/", {"kind": "wrong_role"})
    assert "casey" in page.content.decode()
    assert "bad_signature</td>" not in page.content.decode()


@pytest.mark.django_db
def test_a_password_typed_as_the_username_is_kept_nowhere_yet_still_locks_out(
        caplog, settings, coordinator):
    settings.AXES_ENABLE_ACCESS_FAILURE_LOG = True
    attacker = Client(REMOTE_ADDR=FORGER)

    responses = [attacker.post("/staff/login/", {"username": TYPED_PASSWORD,
                                                 "password": "guess", "code": "123456"})
                 for _ in range(6)]
    Client(REMOTE_ADDR="203.0.113.5").post("/staff/login/", {
        "username": "casey", "password": PASSWORD, "code": totp_code(coordinator)})

    # The fifth failure locks the name out from that address, and the sixth try finds it so.
    assert [r.status_code for r in responses] == [200] * 4 + [429] * 2
    stored = [list(model.objects.values()) for model in
              (AccessAttempt, AccessFailureLog, AccessLog, SecurityEvent)]
    assert AccessLog.objects.get().username == "casey"
    assert TYPED_PASSWORD not in str(stored) and "Hunter2" not in str(stored)
    assert "Hunter2" not in caplog.text


@pytest.mark.django_db(transaction=True)
def test_the_web_servers_access_log_prints_no_link_token(caplog):
    with hub_server() as url:
        # Refused or not found, the request is logged either way.
        with contextlib.suppress(urllib.error.HTTPError):
            urllib.request.urlopen(f"{url}/v/{TOKEN}/?token={TOKEN}", timeout=10)
        access = _records_waited_for(caplog, "uvicorn.access")

    printed = _printed(access)
    assert "/v/[token]/?token=[token]" in printed
    assert TOKEN not in printed


@pytest.mark.redis
@pytest.mark.django_db
def test_a_celery_worker_prints_no_number_or_link_token_even_from_a_task_it_cannot_run(
        tmp_path, worker_queue):
    output = tmp_path / "worker.log"
    worker = _worker_started(worker_queue, output)
    try:
        # A router of the test's own: the app builds its router once per process, and the
        # follow-up worker tests route through it later (tests/followups/test_worker.py).
        celery_app.send_task("hub.no_such_task", args=[NUMBER, f"/v/{TOKEN}/"],
                             queue=worker_queue, router=Router(
                                 queues=celery_app.amqp.queues, create_missing=True))
        printed = _text_waited_for(output, "Received unregistered task")
    finally:
        worker.terminate()
        worker.wait(timeout=20)

    assert "[number]" in printed and "/v/[token]/" in printed
    assert NUMBER not in printed and "7700900123" not in printed and TOKEN not in printed


@pytest.fixture
def worker_queue():
    """A queue of this test's own on the shared Redis, sent to rather than run in-process."""
    celery_app.conf.task_always_eager = False
    queue = f"test-log-{uuid.uuid4().hex[:8]}"
    yield queue
    celery_app.conf.task_always_eager = True
    with celery_app.connection_for_write() as conn:
        conn.default_channel.queue_purge(queue)


def _worker_started(queue: str, output: Path) -> subprocess.Popen:
    database = connection.settings_dict
    env = os.environ | {
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
                        f"{database['NAME']}",
        "SECRET_KEY": "worker-test-" + "k" * 40,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "contact_hub", "worker", "--pool", "solo",
         "-Q", queue, "--loglevel", "INFO", "--without-heartbeat", "--without-gossip",
         "--without-mingle"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=output.open("w"))


def _text_waited_for(path: Path, marker: str, seconds: float = 30) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        text = path.read_text()
        if marker in text:
            time.sleep(0.5)  # the rest of the same log record
            return path.read_text()
        time.sleep(0.1)
    raise AssertionError(f"the worker never printed {marker!r}:\n{path.read_text()}")


def _records_waited_for(caplog, logger: str, seconds: float = 10) -> list:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        records = [r for r in caplog.records if r.name == logger]
        if records:
            return records
        time.sleep(0.05)
    raise AssertionError(f"nothing was logged to {logger}")


def _printed(records: list) -> str:
    """What the hub's configured handler prints for these records."""
    handler = next(h for h in logging.getLogger().handlers
                   if isinstance(h.formatter, RedactingFormatter))
    return "\n".join(handler.format(record) for record in records)
