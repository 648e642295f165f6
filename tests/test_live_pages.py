"""A web process reads its pages' live events through one channel and hands each page its
share: an event crosses the layer once per process, however many dashboards are open."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from contact_hub import live_pages
from contact_hub.live import CONDUCT_GROUP, HUB_GROUP, LIVE_LAYER, LiveEvent, live_event_send
from contact_hub.live_pages import Frames, process_pages

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("close_thread_connections")]


class Page:
    """What a page's consumer takes from each event (HubConsumer, without a browser)."""

    def __init__(self) -> None:
        self.events: list[dict] = []
        self.resyncs = 0

    def event_take(self, event: dict, frames: Frames) -> None:
        self.events.append(event)

    def resync_take(self) -> None:
        self.resyncs += 1


@pytest.fixture(params=["in memory", pytest.param("redis", marks=pytest.mark.redis)])
def live_layer(request, settings):
    """The live layer as the embedded hub has it, and as a deployment does (Redis pub/sub)."""
    from channels.layers import channel_layers

    if request.param == "in memory":
        settings.CHANNEL_LAYERS = {alias: {"BACKEND": "channels.layers.InMemoryChannelLayer"}
                                   for alias in ("default", LIVE_LAYER)}
    else:
        assert settings.CHANNEL_LAYERS[LIVE_LAYER]["BACKEND"].startswith("channels_redis")
    channel_layers.backends.clear()
    return get_channel_layer(LIVE_LAYER)


async def _until(condition, seconds: float = 5) -> None:
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("not within the time")


async def test_an_event_reaches_every_page_of_its_group_once_through_one_channel(live_layer):
    pages = process_pages(live_layer)
    dashboards = [Page() for _ in range(3)]
    standards = Page()
    for page in dashboards:
        await pages.join(page, [HUB_GROUP])
    await pages.join(standards, [CONDUCT_GROUP])

    await sync_to_async(live_event_send)(LiveEvent.QUEUE_CHANGED, person_id=7)

    await _until(lambda: all(page.events for page in dashboards))
    await asyncio.sleep(0.2)
    assert [len(page.events) for page in dashboards] == [1, 1, 1]
    assert dashboards[0].events[0]["kind"] == "queue.changed"
    assert standards.events == []
    # One channel for the process, whatever the number of pages.
    assert pages.joined == {HUB_GROUP, CONDUCT_GROUP} and pages.channel is not None
    for page in [*dashboards, standards]:
        await pages.leave(page)


async def test_the_last_page_leaving_stops_reading_and_the_next_page_reads_again(live_layer):
    pages = process_pages(live_layer)
    first = Page()
    await pages.join(first, [HUB_GROUP])
    await pages.leave(first)
    assert pages.channel is None and pages.tasks == []

    second = Page()
    await pages.join(second, [HUB_GROUP])
    await sync_to_async(live_event_send)(LiveEvent.QUEUE_CHANGED, person_id=8)

    await _until(lambda: second.events)
    assert first.events == []
    await pages.leave(second)


async def test_a_page_that_fails_does_not_keep_the_event_from_the_others(live_layer):
    class Broken(Page):
        def event_take(self, event: dict, frames: Frames) -> None:
            raise RuntimeError("this page is broken")

    pages = process_pages(live_layer)
    broken, working = Broken(), Page()
    await pages.join(broken, [HUB_GROUP])
    await pages.join(working, [HUB_GROUP])

    await sync_to_async(live_event_send)(LiveEvent.QUEUE_CHANGED, person_id=9)

    await _until(lambda: working.events)
    await pages.leave(broken)
    await pages.leave(working)


class Unreliable:
    """A live layer that, while `lost` is set, takes sends and delivers nothing (a Redis
    restart, or a subscriber Redis dropped: pub/sub says nothing of what it lost)."""

    def __init__(self, layer) -> None:
        self.layer, self.lost, self.refuse_groups = layer, False, False

    async def send(self, channel, message):
        if not self.lost:
            await self.layer.send(channel, message)

    async def group_add(self, group, channel):
        if self.refuse_groups:
            raise ConnectionError("Redis is down")
        await self.layer.group_add(group, channel)

    def __getattr__(self, name):
        return getattr(self.layer, name)


async def test_pages_resync_once_the_channel_hears_again_after_events_were_lost(
        in_memory_layers, monkeypatch):
    monkeypatch.setattr(live_pages, "HEARTBEAT_SECONDS", 0.05)
    layer = Unreliable(in_memory_layers)
    pages = process_pages(layer)
    page = Page()
    await pages.join(page, [HUB_GROUP])
    await asyncio.sleep(0.2)
    assert page.resyncs == 0  # heartbeats heard: nothing lost

    layer.lost = True
    await asyncio.sleep(0.2)
    assert page.resyncs == 0  # nothing heard: nothing to resync with yet
    layer.lost = False

    await _until(lambda: page.resyncs == 1)
    await asyncio.sleep(0.2)
    assert page.resyncs == 1
    await pages.leave(page)


async def test_a_page_that_could_not_join_is_not_kept(in_memory_layers):
    layer = Unreliable(in_memory_layers)
    layer.refuse_groups = True
    pages = process_pages(layer)

    with pytest.raises(ConnectionError):
        await pages.join(Page(), [HUB_GROUP])

    assert pages.pages == {} and pages.channel is None and pages.tasks == []
    layer.refuse_groups = False
    page = Page()
    await pages.join(page, [HUB_GROUP])  # the next page joins the group afresh
    assert pages.joined == {HUB_GROUP}
    await pages.leave(page)


def test_pages_given_the_same_frame_share_one_encoding():
    frames, encoded = Frames(), []

    def encode() -> str:
        encoded.append(1)
        return "{}"

    texts = [frames.text(("rows", ((0, "triage"),)), encode) for _ in range(20)]
    frames.text(("rows", ((0, "view"),)), encode)

    assert texts == ["{}"] * 20 and len(encoded) == 2


async def test_a_group_is_left_when_its_last_page_leaves(live_layer):
    """A call's group lives as long as the call: a process serves many calls in a day."""
    pages = process_pages(live_layer)
    dashboard, call = Page(), Page()
    await pages.join(dashboard, [HUB_GROUP])
    await pages.join(call, ["rvr.session.7"])

    await pages.leave(call)

    assert pages.joined == {HUB_GROUP}
    await pages.leave(dashboard)
