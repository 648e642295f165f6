"""The live-events websocket: verified staff get notified; nobody else gets in."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import connections

from contact_hub.asgi import application
from contact_hub.live import live_event_send
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
    await sync_to_async(live_event_send)("message.received", message_id=message.pk,
                                         person_id=message.conversation.person_id)

    event = await socket.receive_json_from(timeout=5)
    assert event == {"kind": "message.received", "message_id": message.pk,
                     "person_id": message.conversation.person_id}
    await socket.disconnect()


async def test_events_carry_no_text_or_identifiers(coordinator, staff_client):
    client = await sync_to_async(staff_client)(coordinator)
    socket = _communicator(client)
    await socket.connect()
    await socket.receive_json_from(timeout=5)  # the resync every connection starts with

    message = await sync_to_async(received_message)(text="private words",
                                                    sender="+447700900490")
    await sync_to_async(live_event_send)("message.received", message_id=message.pk)

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
