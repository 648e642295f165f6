"""The live-events websocket: verified staff get notified; nobody else gets in."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import connections

from contact_hub.asgi import application
from tests.factories import received_message

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
async def close_thread_connections():
    """The ORM calls below run on asgiref's worker thread; close its connection afterwards."""
    yield
    await sync_to_async(connections.close_all)()


def _communicator(client=None) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
    if client is not None:
        name = settings.SESSION_COOKIE_NAME
        cookie = f"{name}={client.cookies[name].value}"
        headers.append((b"cookie", cookie.encode()))
    return WebsocketCommunicator(application, "/ws/hub/", headers=headers)


async def test_a_verified_coordinator_is_told_when_a_contact_arrives(coordinator, staff_client):
    client = await sync_to_async(staff_client)(coordinator)
    socket = _communicator(client)
    connected, _ = await socket.connect()
    assert connected
    assert await socket.receive_json_from(timeout=5) == {"kind": "resync"}

    message = await sync_to_async(received_message)()

    event = await socket.receive_json_from(timeout=5)
    assert event == {"kind": "messages.received", "message_ids": [message.pk],
                     "person_ids": [message.conversation.person_id]}
    await socket.disconnect()


async def test_events_carry_no_text_or_identifiers(coordinator, staff_client):
    client = await sync_to_async(staff_client)(coordinator)
    socket = _communicator(client)
    await socket.connect()
    await socket.receive_json_from(timeout=5)  # the resync every connection starts with

    await sync_to_async(received_message)(text="private words", sender="+447700900490")

    raw = await socket.receive_from(timeout=5)
    assert "private words" not in raw and "900490" not in raw
    await socket.disconnect()


async def test_a_password_only_session_is_refused(coordinator):
    from django.test import Client

    client = Client()
    await sync_to_async(client.force_login)(coordinator)
    socket = _communicator(client)

    connected, code = await socket.connect()

    assert not connected
    assert code == 4403


async def test_an_anonymous_visitor_is_refused():
    connected, _ = await _communicator().connect()

    assert not connected


async def test_professional_standards_do_not_get_the_contact_stream(standards, staff_client):
    client = await sync_to_async(staff_client)(standards)

    connected, code = await _communicator(client).connect()

    assert not connected
    assert code == 4403


@pytest.mark.redis
async def test_a_message_arriving_reaches_the_dashboard_after_triage(coordinator, staff_client,
                                                                     settings):
    """Intake → follow-up (triage) → event over the real Redis layer → page fetches the queue."""
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"].startswith("channels_redis")
    client = await sync_to_async(staff_client)(coordinator)
    socket = _communicator(client)
    await socket.connect()
    await socket.receive_json_from(timeout=5)

    message = await sync_to_async(received_message)(text="my ex is outside, I can't talk")

    event = await socket.receive_json_from(timeout=5)
    assert event["kind"] == "messages.received" and event["message_ids"] == [message.pk]
    queue = (await sync_to_async(client.get)("/triage/queue/")).content.decode()
    assert f'data-message-id="{message.pk}"' in queue and "Cannot speak freely" in queue
    await socket.disconnect()


@pytest.mark.redis
async def test_after_a_reconnect_the_page_is_told_to_resync_and_sees_what_it_missed(
        coordinator, staff_client):
    client = await sync_to_async(staff_client)(coordinator)
    first = _communicator(client)
    await first.connect()
    await first.receive_json_from(timeout=5)
    await first.disconnect()

    missed = await sync_to_async(received_message)(text="sent while the page was offline")
    again = _communicator(client)
    await again.connect()

    assert await again.receive_json_from(timeout=5) == {"kind": "resync"}
    queue = (await sync_to_async(client.get)("/triage/queue/")).content.decode()
    assert "sent while the page was offline" in queue
    assert f'data-message-id="{missed.pk}"' in queue
    await again.disconnect()


@pytest.mark.redis
async def test_a_claim_is_announced_to_every_page(coordinator, supervisor, staff_client):
    from contact_hub.triage.services import item_claim

    watcher = _communicator(await sync_to_async(staff_client)(supervisor))
    await watcher.connect()
    await watcher.receive_json_from(timeout=5)
    message = await sync_to_async(received_message)(text="hello")
    await watcher.receive_json_from(timeout=5)  # messages.received

    await sync_to_async(item_claim)(item_key=f"message:{message.pk}", actor=coordinator)

    assert await watcher.receive_json_from(timeout=5) == {"kind": "queue.changed",
                                                          "item": f"message:{message.pk}"}
    await watcher.disconnect()
