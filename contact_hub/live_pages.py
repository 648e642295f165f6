"""The live groups' events, read once per process and handed to the process's own pages.

Each web process has one channel in every live group its pages listen to, so an event crosses
Redis once per process, however many dashboards that process serves (a control room has ten to
thirty open), and is decoded there once. Each page takes what it may see from the event
(consumers.HubConsumer.event_take); pages given the same frame share one encoding of it
(`Frames`). A page writes through its own outbox, so a slow page holds nobody else up.

Redis pub/sub keeps nothing for a subscriber that is away: after an outage, or a subscriber
Redis dropped, events are gone without a word. The channel hears its own heartbeat; when one
goes unheard, every page is told to resync once the channel hears again.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Callable
from typing import Any, Protocol

log = logging.getLogger(__name__)

# Group membership expires in the layer (a day, by default): renewed while pages listen.
GROUP_RENEW_SECONDS = 6 * 3600
# How often the channel sends itself a heartbeat; an outage longer than this is noticed.
HEARTBEAT_SECONDS = 2.0
# After the layer fails, how long before reading again.
RETRY_SECONDS = 1.0
HEARTBEAT = "live.heartbeat"


class LivePage(Protocol):
    def event_take(self, event: dict[str, Any], frames: Frames) -> None:
        """Queue what this page may see of one event (never blocking)."""

    def resync_take(self) -> None:
        """Queue a resync: events may have been lost, the page fetches afresh."""


class Frames:
    """The frames encoded for one event, by what they hold: twenty coordinators' pages given
    the same rows share one encoding."""

    def __init__(self) -> None:
        self._texts: dict[Any, str] = {}

    def text(self, key: Any, encode: Callable[[], str]) -> str:
        if key not in self._texts:
            self._texts[key] = encode()
        return self._texts[key]


class ProcessPages:
    """The pages of one event loop (a web process has one), and the channel that reads their
    groups' events. It reads only while some page listens: the last to leave stops it."""

    def __init__(self, layer: Any) -> None:
        self.layer = layer
        self.pages: dict[str, set[LivePage]] = {}
        self.channel: str | None = None
        self.joined: set[str] = set()  # the groups the channel is in
        self.tasks: list[asyncio.Task] = []
        self.unheard = 0  # heartbeats sent and not heard back
        self.gap = False  # events may have been lost since the last heartbeat heard
        # Joining and leaving in turn: a page arriving as the last one leaves, or two
        # arriving at once, never leaves a channel behind or a group unjoined.
        self.lock = asyncio.Lock()

    async def join(self, page: LivePage, groups: list[str]) -> None:
        async with self.lock:
            if self.channel is None:
                await self._start()
            try:
                for group in groups:
                    if group not in self.joined:
                        await self.layer.group_add(group, self.channel)
                        self.joined.add(group)
            except BaseException:
                await self._stop_if_unused()
                raise
            for group in groups:
                self.pages.setdefault(group, set()).add(page)

    async def leave(self, page: LivePage) -> None:
        async with self.lock:
            emptied = []
            for group in list(self.pages):
                self.pages[group].discard(page)
                if not self.pages[group]:
                    del self.pages[group]
                    emptied.append(group)
            if self.pages and self.channel is not None:
                # A call's group is left with its call: a process serves many in a day.
                for group in emptied:
                    self.joined.discard(group)
                    await self._discard(group, self.channel)
            await self._stop_if_unused()

    async def _start(self) -> None:
        self.channel = channel = await self.layer.new_channel()
        self.joined, self.unheard, self.gap = set(), 0, False
        self.tasks = [asyncio.create_task(self._read(channel)),
                      asyncio.create_task(self._beat(channel)),
                      asyncio.create_task(self._renew(channel))]

    async def _stop_if_unused(self) -> None:
        if self.pages or self.channel is None:
            return
        channel, joined, tasks = self.channel, self.joined, self.tasks
        self.channel, self.joined, self.tasks = None, set(), []
        for task in tasks:
            task.cancel()
        # A receive left pending would hold the layer's receive section for this loop.
        await asyncio.gather(*tasks, return_exceptions=True)
        for group in joined:
            await self._discard(group, channel)

    async def _discard(self, group: str, channel: str) -> None:
        try:
            await self.layer.group_discard(group, channel)
        except Exception:
            # Membership expires by itself; what still arrives is read and dropped.
            log.warning("could not leave live group %s", group)

    async def _read(self, channel: str) -> None:
        while True:
            try:
                event = await self.layer.receive(channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("live events could not be read; pages will resync")
                self.gap = True
                await asyncio.sleep(RETRY_SECONDS)
                continue
            if event.get("type") == HEARTBEAT:
                self._heard()
            else:
                self._hand_out(event)

    def _heard(self) -> None:
        self.unheard = 0
        if self.gap:
            self.gap = False
            self._resync_all()

    async def _beat(self, channel: str) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            if self.unheard:
                self.gap = True
            self.unheard += 1
            try:
                await asyncio.wait_for(self.layer.send(channel, {"type": HEARTBEAT}),
                                       HEARTBEAT_SECONDS)
            except asyncio.CancelledError:
                raise
            except Exception:
                self.gap = True

    def _hand_out(self, event: dict[str, Any]) -> None:
        frames = Frames()
        for page in list(self.pages.get(event.get("group", ""), ())):
            try:
                page.event_take(event, frames)
            except Exception:
                # One page's failure must not keep the event from the others.
                log.exception("a live page could not take an event")

    def _resync_all(self) -> None:
        log.warning("live events may have been lost; pages resync")
        for page in {page for pages in self.pages.values() for page in pages}:
            page.resync_take()

    async def _renew(self, channel: str) -> None:
        while True:
            await asyncio.sleep(GROUP_RENEW_SECONDS)
            for group in list(self.joined):
                try:
                    await self.layer.group_add(group, channel)
                except Exception:
                    log.warning("could not renew live group %s", group)


_by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, ProcessPages] = (
    weakref.WeakKeyDictionary())


def process_pages(layer: Any) -> ProcessPages:
    """This event loop's pages (one loop per web process; tests run a loop each)."""
    loop = asyncio.get_running_loop()
    pages = _by_loop.get(loop)
    if pages is None or pages.layer is not layer:
        pages = _by_loop[loop] = ProcessPages(layer)
    return pages
