"""The live-events websocket: verified staff get notified, and the dashboard gets each new
contact's row as soon as its intake commits, as its reader may see it; nobody else gets in."""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings

from contact_hub import consumers, live
from contact_hub.asgi import application
from contact_hub.live_pages import Frames
from contact_hub.staff.models import AccessEvent, Role
from tests.factories import StaffFactory, received_message

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("close_thread_connections")]
ALLEGATION = "the call handler C9912 added me on instagram"


def _communicator(client=None) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
    if client is not None:
        name = settings.SESSION_COOKIE_NAME
        cookie = f"{name}={client.cookies[name].value}"
        headers.append((b"cookie", cookie.encode()))
    return WebsocketCommunicator(application, "/ws/hub/", headers=headers)


async def _page(staff_client, user) -> WebsocketCommunicator:
    """A dashboard's websocket for `user`, past the resync every connection starts with."""
    socket = _communicator(await sync_to_async(staff_client)(user))
    connected, _ = await socket.connect()
    assert connected
    assert await socket.receive_json_from(timeout=5) == {"kind": "resync"}
    return socket


async def _until_notice(socket, notices: int = 1) -> list[dict]:
    """Every frame up to the `notices`th notice that the worker has handled messages, and the
    rows that follow it: the worker runs in this process here, so its rows go out with the
    request's, which leave a process at most every ROWS_GAP_SECONDS, while its notice goes
    at once."""
    frames: list[dict] = []
    while sum(frame["kind"] == "messages.received" for frame in frames) < notices:
        frames.append(await socket.receive_json_from(timeout=5))
    while not await socket.receive_nothing(timeout=live.ROWS_GAP_SECONDS + 0.2):
        frames.append(await socket.receive_json_from(timeout=5))
    return frames


def _rows_of(frames: list[dict]) -> list[dict]:
    return [row for frame in frames for row in frame.get("rows", [])]


async def test_a_new_contact_reaches_the_dashboard_with_its_flags_before_the_worker_runs(
        coordinator, staff_client, worker_stopped):
    socket = await _page(staff_client, coordinator)

    message = await sync_to_async(received_message)(text="my ex is outside, I can't talk")

    event = await socket.receive_json_from(timeout=5)
    [row] = event["rows"]
    assert (event["kind"], row["item"], row["stage"]) == (
        "queue.rows", f"message:{message.pk}", "rules")
    assert "Domestic abuse" in row["html"] and "Cannot speak freely" in row["html"]
    assert row["order"].startswith("030-")  # risk 70, its place in the queue
    assert await socket.receive_nothing(timeout=0.5)  # no worker, no more

    await sync_to_async(worker_stopped)()  # the worker comes back

    update = await socket.receive_json_from(timeout=5)
    [again] = update["rows"]
    assert (again["item"], again["stage"], update["waiting"]) == (
        f"message:{message.pk}", "triaged", 1)
    assert "first contact" in again["html"]
    notice = await socket.receive_json_from(timeout=5)
    assert notice == {"kind": "messages.received", "message_ids": [message.pk],
                      "person_ids": [message.conversation.person_id]}
    await socket.disconnect()


async def test_each_reader_gets_the_row_for_their_role(coordinator, officer, staff_client):
    coordinating = await _page(staff_client, coordinator)
    watching = await _page(staff_client, officer)

    await sync_to_async(received_message)(text="he has a knife and says he will kill me")

    [mine, *_] = _rows_of(await _until_notice(coordinating))
    [theirs, *_] = _rows_of(await _until_notice(watching))
    assert ">Triage</a>" in mine["html"] and ">Claim</button>" in mine["html"]
    assert ">Triage</a>" not in theirs["html"] and "Claim" not in theirs["html"]
    assert "has a knife" in theirs["html"]
    await coordinating.disconnect()
    await watching.disconnect()


async def test_an_allegation_never_reaches_the_page_of_the_staff_it_names(coordinator,
                                                                           staff_client):
    named = await sync_to_async(StaffFactory)(username="cole", role=Role.COORDINATOR,
                                              collar_number="C9912")
    colleague = await _page(staff_client, coordinator)
    theirs = await _page(staff_client, named)

    message = await sync_to_async(received_message)(text=ALLEGATION)
    # The notice that messages arrived leaves the allegation out (its id would tell them it
    # exists), so another text marks the end of the worker's run.
    other = await sync_to_async(received_message)(sender="+447700900332", text="hello?")

    seen = await _until_notice(colleague)
    # Only once the worker has kept it from them: never at intake, before the referral.
    assert (f"message:{message.pk}", "triaged") in [(r["item"], r["stage"])
                                                    for r in _rows_of(seen)]
    frames = await _until_notice(theirs)
    assert {r["item"] for r in _rows_of(frames)} == {f"message:{other.pk}"}
    assert not any("instagram" in str(frame) or "fetch" in frame for frame in frames)
    assert not any(message.pk in frame.get("message_ids", []) for frame in frames)
    await colleague.disconnect()
    await theirs.disconnect()


async def test_staff_kept_from_another_of_her_messages_fetch_the_row_themselves(staff_client):
    named = await sync_to_async(StaffFactory)(username="cole", role=Role.COORDINATOR,
                                              collar_number="C9912")
    await sync_to_async(received_message)(sender="+447700900331", text=ALLEGATION)
    socket = await _page(staff_client, named)

    later = await sync_to_async(received_message)(sender="+447700900331", text="still there?")

    frames = await _until_notice(socket)
    # The rules' row shows no history; the worker's counts the allegation for everyone else,
    # so theirs is fetched as they may see it.
    assert [r["stage"] for r in _rows_of(frames)] == ["rules"]
    assert "checking history" in _rows_of(frames)[0]["html"]
    assert [f["fetch"] for f in frames if "fetch" in f] == [[later.pk]]
    await socket.disconnect()


async def test_rows_shown_to_a_page_are_one_access_event_naming_the_people(
        coordinator, staff_client, monkeypatch):
    monkeypatch.setattr(consumers, "LOOK_EVERY_SECONDS", 60)
    socket = await _page(staff_client, coordinator)
    first = await sync_to_async(received_message)(text="my ex is outside")
    second = await sync_to_async(received_message)(text="my ex is outside again")
    await _until_notice(socket, notices=2)
    assert not await sync_to_async(AccessEvent.objects.exists)()  # within the minute: none yet

    await socket.disconnect()  # a page that goes records what it was shown

    event = await sync_to_async(AccessEvent.objects.get)()
    people = await sync_to_async(lambda: sorted(event.people.values_list("pk", flat=True)))()
    assert (event.actor_id, event.what, event.why) == (coordinator.pk, "triage queue",
                                                       "triage queue")
    assert people == sorted([first.conversation.person_id, second.conversation.person_id])


async def test_a_page_kept_open_records_what_it_was_shown_within_the_interval(
        coordinator, staff_client, monkeypatch):
    monkeypatch.setattr(consumers, "LOOK_EVERY_SECONDS", 0.2)
    socket = await _page(staff_client, coordinator)

    message = await sync_to_async(received_message)(text="my ex is outside")
    await _until_notice(socket)
    await socket.receive_nothing(timeout=1)

    event = await sync_to_async(AccessEvent.objects.get)()
    assert await sync_to_async(lambda: list(event.people.values_list("pk", flat=True)))() == [
        message.conversation.person_id]
    await socket.disconnect()
    assert await sync_to_async(AccessEvent.objects.count)() == 1  # nothing more to record


async def test_notices_carry_no_text_and_rows_never_the_full_number(coordinator, staff_client):
    socket = await _page(staff_client, coordinator)

    await sync_to_async(received_message)(text="private words", sender="+447700900490")

    frames = await _until_notice(socket)
    [notice] = [frame for frame in frames if frame["kind"] == "messages.received"]
    assert "private words" not in str(notice) and "900490" not in str(notice)
    assert all("900490" not in str(frame) for frame in frames)
    assert "+44 •••• ••490" in _rows_of(frames)[0]["html"]
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
    socket = await _page(staff_client, standards)

    await sync_to_async(received_message)(text="my ex is outside, I can't talk")

    assert await socket.receive_nothing(timeout=1)
    await socket.disconnect()


@pytest.mark.redis
async def test_a_contact_arriving_reaches_the_dashboard_over_the_redis_layer(coordinator,
                                                                            staff_client):
    """Intake → its row over the real Redis layer → the worker's update → the queue agrees."""
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"].startswith("channels_redis")
    client = await sync_to_async(staff_client)(coordinator)
    socket = _communicator(client)
    await socket.connect()
    await socket.receive_json_from(timeout=5)

    message = await sync_to_async(received_message)(text="my ex is outside, I can't talk")

    stages = [(r["item"], r["stage"]) for r in _rows_of(await _until_notice(socket))]
    assert stages == [(f"message:{message.pk}", "rules"), (f"message:{message.pk}", "triaged")]
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

    watcher = await _page(staff_client, supervisor)
    message = await sync_to_async(received_message)(text="hello")
    await _until_notice(watcher)

    await sync_to_async(item_claim)(item_key=f"message:{message.pk}", actor=coordinator)

    assert await watcher.receive_json_from(timeout=5) == {"kind": "queue.changed",
                                                          "item": f"message:{message.pk}"}
    await watcher.disconnect()


async def test_a_page_that_falls_far_behind_is_told_to_resync_instead_of_the_backlog():
    """A tab asleep or a slow link: what waits for it is dropped for one resync, so it
    neither holds others up nor grows without bound."""
    page = consumers.HubConsumer()
    page.outbox = asyncio.Queue(maxsize=consumers.OUTBOX_MOST)

    for n in range(consumers.OUTBOX_MOST + 1):
        page.event_take({"type": "live.event", "kind": "queue.changed", "person_id": n,
                         "group": "hub"}, Frames())

    assert page.outbox.qsize() == 1
    assert json.loads(page.outbox.get_nowait()) == {"kind": "resync"}
