"""Shared fixtures: real PostgreSQL and Redis when configured, named staff personas, and a guard
that refuses any outgoing network connection that is not to this machine."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import AsyncIterator, Callable, Iterator

import pytest
from django.conf import settings
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from contact_hub.celery import app as celery_app
from contact_hub.conversations.sending import MemoryBackend
from contact_hub.staff.models import Role, StaffUser
from tests.factories import StaffFactory

REQUIRE_SERVICES = os.environ.get("HUB_REQUIRE_SERVICES") == "1"
LOOPBACK_PREFIXES = ("127.", "::1", "localhost")


def _postgres_configured() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def _redis_reachable() -> bool:
    if not settings.REDIS_URL:
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1).ping())
    except redis.RedisError:
        return False


def pytest_configure(config: pytest.Config) -> None:
    # Hashing cost only slows the suite; the login path under test is the same.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_sessionstart(session: pytest.Session) -> None:
    if not REQUIRE_SERVICES:
        return
    missing = [name for name, ok in (("PostgreSQL (DATABASE_URL)", _postgres_configured()),
                                     ("Redis (REDIS_URL)", _redis_reachable())) if not ok]
    if missing:
        pytest.exit(f"HUB_REQUIRE_SERVICES=1 but missing: {', '.join(missing)}", returncode=3)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skips = {
        "postgres": (_postgres_configured(), "needs PostgreSQL: set DATABASE_URL"),
        "redis": (_redis_reachable(), "needs Redis: set REDIS_URL"),
        "turn": (shutil.which("turnserver") is not None,
                 "needs coturn: apt-get install -y coturn (bin/test does this)"),
    }
    for item in items:
        for marker, (available, reason) in skips.items():
            if marker in item.keywords and not available:
                if REQUIRE_SERVICES:
                    raise pytest.UsageError(f"{item.nodeid} {reason} (HUB_REQUIRE_SERVICES=1)")
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(autouse=True, scope="session")
def refuse_outside_network() -> Iterator[None]:
    """Tests may only talk to this machine; a provider call that escapes its fake fails loudly."""
    original = socket.socket.connect

    def guarded(sock: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else str(address)
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not str(host).startswith(
                LOOPBACK_PREFIXES):
            raise ConnectionRefusedError(f"tests may not connect to {host}")
        return original(sock, address)

    socket.socket.connect = guarded
    yield
    socket.socket.connect = original


@pytest.fixture(autouse=True)
def in_process_tasks(settings: object) -> Iterator[None]:
    """Tasks run in the test's process, as they do embedded; the worker test starts a real one."""
    celery_app.conf.task_always_eager = True
    settings.HUB_TEXT_BACKEND = "contact_hub.conversations.sending.MemoryBackend"
    MemoryBackend.sent.clear()
    yield
    MemoryBackend.sent.clear()


@pytest.fixture
def staff_client() -> Callable[[StaffUser], Client]:
    """A browser session for `user`, signed in with password and a verified second factor."""

    def signed_in(user: StaffUser) -> Client:
        client = Client()
        client.force_login(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = user.totpdevice_set.get().persistent_id
        session.save()
        return client

    return signed_in


@pytest.fixture
def coordinator(db: None) -> StaffUser:
    return StaffFactory(username="casey", role=Role.COORDINATOR)


@pytest.fixture
def officer(db: None) -> StaffUser:
    return StaffFactory(username="olu", role=Role.RVR_OFFICER)


@pytest.fixture
def supervisor(db: None) -> StaffUser:
    return StaffFactory(username="sam", role=Role.SUPERVISOR)


@pytest.fixture
def standards(db: None) -> StaffUser:
    return StaffFactory(username="pat", role=Role.PROFESSIONAL_STANDARDS)


@pytest.fixture
def administrator(db: None) -> StaffUser:
    return StaffFactory(username="alex", role=Role.ADMINISTRATOR, is_staff=True,
                        is_superuser=True)


@pytest.fixture
def twilio(settings: object) -> Iterator[type]:
    """Twilio configured with test credentials, the SDK's HTTP layer replaced by a recorder."""
    from tests.twilio_fakes import ACCOUNT_SID, AUTH_TOKEN, FakeTwilioHttp

    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_HTTP_CLIENT = "tests.twilio_fakes.FakeTwilioHttp"
    settings.PUBLIC_BASE_URL = "https://hub.example.police.uk"
    FakeTwilioHttp.reset()
    yield FakeTwilioHttp
    FakeTwilioHttp.reset()


@pytest.fixture
def worker_stopped() -> Iterator[Callable[[], None]]:
    """No worker is running: follow-up work goes to the broker and waits there, as when the
    workers are down. The test calls what this gives to bring the worker back, which runs
    every follow-up still waiting."""
    from contact_hub.followups.models import FollowUp
    from contact_hub.followups.services import registered_task, runs_waiting_forget

    celery_app.conf.task_always_eager = False
    runs_waiting_forget()

    def worker_returns() -> None:
        for followup in FollowUp.objects.filter(done_at__isnull=True).order_by("pk"):
            registered_task(followup.task_name)(followup.pk)

    yield worker_returns
    celery_app.conf.task_always_eager = True
    with celery_app.connection_for_write() as conn:
        # What was sent for the absent worker must not reach a worker a later test starts.
        conn.default_channel.queue_purge(celery_app.conf.task_default_queue)
        client = getattr(conn.default_channel, "client", None)
        for key in client.keys("hub:followups:run-waiting:*") if client is not None else []:
            client.delete(key)
    runs_waiting_forget()


@pytest.fixture
def in_memory_layers(settings: object) -> Iterator[object]:
    """The hub's channel layers in memory, where what is sent waits until it is read: gives
    the live events' layer (contact_hub.live.LIVE_LAYER)."""
    from channels.layers import channel_layers, get_channel_layer

    from contact_hub.live import LIVE_LAYER

    settings.CHANNEL_LAYERS = {  # type: ignore[attr-defined]
        alias: {"BACKEND": "channels.layers.InMemoryChannelLayer"}
        for alias in ("default", LIVE_LAYER)}
    channel_layers.backends.clear()
    yield get_channel_layer(LIVE_LAYER)
    channel_layers.backends.clear()


class LiveListener:
    """A channel in live groups on the configured live layer, as a web process has, read on a
    loop of its own (a pub/sub subscription belongs to the loop that made it)."""

    def __init__(self, groups: list[str]) -> None:
        import asyncio
        import threading

        from channels.layers import get_channel_layer

        from contact_hub.live import LIVE_LAYER

        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.layer = get_channel_layer(LIVE_LAYER)
        self.channel = self._run(self.layer.new_channel())
        self.groups = groups
        for group in groups:
            self._run(self.layer.group_add(group, self.channel))

    def _run(self, work: object, timeout: float = 10) -> object:
        import asyncio

        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout)  # type: ignore[arg-type]

    def next(self, timeout: float = 10) -> dict:
        import asyncio

        return self._run(asyncio.wait_for(self.layer.receive(self.channel), timeout),
                         timeout + 1)  # type: ignore[return-value]

    def close(self) -> None:
        for group in self.groups:
            self._run(self.layer.group_discard(group, self.channel))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


@pytest.fixture
def live_listener() -> Iterator[Callable[..., LiveListener]]:
    """Listen to live groups (contact_hub.live) on the hub's configured layer: Redis pub/sub
    where REDIS_URL is set, so events from other processes (a worker) are heard."""
    listeners: list[LiveListener] = []

    def listen(*groups: str) -> LiveListener:
        listeners.append(LiveListener(list(groups)))
        return listeners[-1]

    yield listen
    for listener in listeners:
        listener.close()


@pytest.fixture
def conduct_events(in_memory_layers: object) -> Callable[[], list[dict]]:
    """What professional standards' pages hear (flagged looks, held texts, verdicts), on an
    in-memory layer: call it for the events sent since the last call."""
    from asgiref.sync import async_to_sync

    from contact_hub.live import CONDUCT_GROUP

    layer = in_memory_layers
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(CONDUCT_GROUP, channel)

    def received() -> list[dict]:
        events = []
        while channel in layer.channels and not layer.channels[channel].empty():
            event = async_to_sync(layer.receive)(channel)
            assert event.pop("group") == CONDUCT_GROUP
            events.append(event)
        return events

    return received


@pytest.fixture
async def close_thread_connections() -> AsyncIterator[None]:
    """For websocket tests: the ORM calls run on asgiref's worker thread, whose connection is
    closed afterwards; later tests get a fresh channel layer (a consumer the hub closed
    mid-receive leaves the old one bound to this test's event loop)."""
    from asgiref.sync import sync_to_async
    from channels.layers import channel_layers
    from django.db import connections

    yield
    await sync_to_async(connections.close_all)()
    channel_layers.backends.clear()
