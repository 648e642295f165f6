"""Follow-up work through the production path: Redis as the broker and a real Celery worker."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from contact_hub.celery import app as celery_app
from contact_hub.followups.models import FollowUp
from contact_hub.followups.services import runs_waiting_forget
from contact_hub.followups.tasks import followups_sweep
from contact_hub.live import HUB_GROUP
from tests.factories import received_message

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


# One queue name for the whole run (Celery keeps one router a process: see `queue`).
QUEUE = f"test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def queue():
    """A queue of this run's own, so nothing else on the shared Redis is consumed."""
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_routes = {"*": {"queue": QUEUE}}
    # A task sent by an earlier test built the router with the routes it had then.
    celery_app.amqp.flush_routes()
    celery_app.amqp.__dict__.pop("router", None)
    _run_waiting_marks_clear()
    yield QUEUE
    celery_app.conf.task_always_eager = True
    with celery_app.connection_for_write() as conn:
        conn.default_channel.queue_purge(QUEUE)
    _run_waiting_marks_clear()


def _run_waiting_marks_clear() -> None:
    """A mark left by another test would hold back this test's first send."""
    with celery_app.connection_for_write() as conn:
        client = conn.default_channel.client
        for key in client.keys("hub:followups:run-waiting:*"):
            client.delete(key)
    runs_waiting_forget()


def _start_worker(queue: str, *, pool: str = "solo", name: str = "") -> subprocess.Popen:
    """A real worker on the test database; `name` is the application name its connections
    give PostgreSQL."""
    database = connection.settings_dict
    env = os.environ | {
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
                        f"{database['NAME']}",
        "SECRET_KEY": "worker-test-" + "k" * 40,
        "PGAPPNAME": name or "hub-test-worker",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "contact_hub", "worker", "--pool", pool,
         "--concurrency", "1", "-Q", queue, "--loglevel", "WARNING", "--without-heartbeat",
         "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait_done(followup: FollowUp, seconds: float = 30) -> FollowUp:
    if not _done_soon(followup, seconds):
        raise AssertionError("the worker did not run the follow-up")
    return followup


def test_a_worker_runs_follow_up_work_and_the_dashboard_hears_of_it(queue, live_listener):
    listener = live_listener(HUB_GROUP)
    worker = _start_worker(queue)
    try:
        message = received_message(text="queued through redis")

        _wait_done(FollowUp.objects.get())
        # The worker's updated queue rows come first; the received-messages event follows.
        kinds = []
        for _ in range(10):
            event = listener.next()
            kinds.append(event["kind"])
            if event["kind"] == "messages.received":
                break
    finally:
        worker.terminate()
        worker.wait(timeout=10)

    assert kinds[-1] == "messages.received", kinds
    assert event["message_ids"] == [message.pk]
    assert event["person_ids"] == [message.conversation.person_id]


def test_messages_arriving_while_a_run_waits_send_no_task_of_their_own(queue):
    """Under load one run takes every message waiting, so they send one task, not one each."""
    messages = [received_message(text=f"busy moment {n}") for n in range(5)]
    with celery_app.connection_for_write() as conn:
        waiting_tasks = conn.default_channel.client.llen(queue)
    worker = _start_worker(queue)
    try:
        for followup in FollowUp.objects.all():
            _wait_done(followup)
    finally:
        worker.terminate()
        worker.wait(timeout=10)

    assert waiting_tasks == 1
    assert FollowUp.objects.filter(done_at__isnull=False).count() == len(messages)
    # the run cleared its mark, so the next message sends a task again
    received_message(text="after the busy moment")
    with celery_app.connection_for_write() as conn:
        assert conn.default_channel.client.llen(queue) == 1


def test_work_lost_by_the_broker_is_swept_up_and_run_once(queue):
    message = received_message(text="the broker lost this task")
    followup = FollowUp.objects.get()
    with celery_app.connection_for_write() as conn:
        conn.default_channel.queue_purge(queue)  # the broker restarted and lost its queue
    FollowUp.objects.filter(pk=followup.pk).update(
        created_at=timezone.now() - timedelta(minutes=5))
    worker = _start_worker(queue)
    try:
        assert followups_sweep() == 1
        followup = _wait_done(followup)
    finally:
        worker.terminate()
        worker.wait(timeout=10)

    assert followup.attempts == 1
    assert message.pk == followup.payload["message_id"]


def _backends_of(name: str) -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s", [name])
        return {pid for (pid,) in cursor.fetchall()}


def test_a_prefork_worker_keeps_its_database_connections_from_task_to_task(queue):
    """Celery's own Django fixup would close the child's connection pool around every task
    (celery/celery#10554): each task on new PostgreSQL backends, with cold caches."""
    name = f"hub-test-worker-{uuid.uuid4().hex[:8]}"
    worker = _start_worker(queue, pool="prefork", name=name)
    try:
        received_message(text="the first of the evening")
        _wait_done(FollowUp.objects.get())
        after_first = _backends_of(name)
        for n in range(3):
            received_message(text=f"and another, {n}")
            _wait_done(FollowUp.objects.latest("pk"))
        after_more = _backends_of(name)
    finally:
        worker.terminate()
        worker.wait(timeout=10)

    assert after_first
    assert after_more == after_first


def test_a_prefork_worker_gets_past_connections_the_database_dropped(queue):
    """PostgreSQL restarted under it: the tasks on the dropped connections fail (the sweeper
    runs them again), and the child opens new ones rather than failing every task after."""
    name = f"hub-test-worker-{uuid.uuid4().hex[:8]}"
    worker = _start_worker(queue, pool="prefork", name=name)
    try:
        received_message(text="before the restart")
        _wait_done(FollowUp.objects.get())
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE application_name = %s", [name])
        recovered = False
        for n in range(6):  # the pool's idle connections each fail once; then new ones
            received_message(text=f"after the restart {n}")
            recovered = _done_soon(FollowUp.objects.latest("pk"), seconds=5)
            if recovered:
                break
    finally:
        worker.terminate()
        worker.wait(timeout=10)

    assert recovered


def _done_soon(followup: FollowUp, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        followup.refresh_from_db()
        if followup.done_at is not None:
            return True
        time.sleep(0.1)
    return False
