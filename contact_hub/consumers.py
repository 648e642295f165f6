"""The hub's live-events websocket: it tells pages something changed; pages fetch the state.

Events reach a process's pages through its one channel (live_pages). One kind carries what
pages show: the dashboard's rows, rendered once for every page (live.live_rows_send). The
consumer gives its page only the rows its reader may see, and records what it showed them in
the access log, one event a second at most.
"""

from __future__ import annotations

import asyncio
import json
from functools import cache
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.utils.module_loading import import_string
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from contact_hub.live import CONDUCT_GROUP, HUB_GROUP, LIVE_LAYER
from contact_hub.live_pages import Frames, process_pages
from contact_hub.staff.roles import MAY_REVIEW_CONDUCT, MAY_WATCH_LIVE
from contact_hub.staff.sessions import staff_session_ended

CLOSE_FORBIDDEN = 4403
# A page shown pushed rows records them as one access event naming the people, this often at
# most: a busy queue does not cost a write per row per page.
LOOK_EVERY_SECONDS = 1.0
# A page this far behind (a tab asleep, a slow link) is sent a resync instead of the backlog.
OUTBOX_MOST = 500
RESYNC = json.dumps({"kind": "resync"})


@database_sync_to_async
def verified_staff_role(scope: dict[str, Any]) -> str | None:
    """The user's role if they are staff signed in with a second factor, else None."""
    user = scope.get("user")
    session = scope.get("session")
    if user is None or not user.is_authenticated or not user.is_active or session is None:
        return None
    if staff_session_ended(session) is not None:
        return None
    device = Device.from_persistent_id(session.get(DEVICE_ID_SESSION_KEY) or "")
    if device is None or device.user_id != user.pk:
        return None
    return user.role


def _groups_for(role: str | None) -> list[str]:
    """The live groups a role's pages listen to: the front line's queue and incidents, or
    professional standards' flagged looks and referrals."""
    groups = []
    if role in MAY_WATCH_LIVE:
        groups.append(HUB_GROUP)
    if role in MAY_REVIEW_CONDUCT:
        groups.append(CONDUCT_GROUP)
    return groups


class HubConsumer(AsyncJsonWebsocketConsumer):
    """A staff page's websocket. Its groups' events come from the process's one channel
    (live_pages), each taken here for this page as it comes, and written in order through
    the page's own outbox."""

    async def connect(self) -> None:
        role = await verified_staff_role(self.scope)
        groups = _groups_for(role)
        if not groups:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.role = role
        self.reader = self.scope["user"]
        self.shown: dict[tuple[str, str], set[int]] = {}  # (what, why) -> people not yet logged
        self.look_due: asyncio.Task | None = None
        self.outbox: asyncio.Queue[str] = asyncio.Queue(maxsize=OUTBOX_MOST)
        # Events sent while this page was disconnected are gone: it fetches afresh first.
        self.resync_take()
        self.pages = process_pages(get_channel_layer(LIVE_LAYER))
        await self.pages.join(self, groups)
        await self.accept()
        self.writer = asyncio.create_task(self._write())

    async def disconnect(self, code: int) -> None:
        pages = getattr(self, "pages", None)
        if pages is not None:
            await pages.leave(self)
        for task in (getattr(self, "writer", None), getattr(self, "look_due", None)):
            if task is not None:
                task.cancel()
        if getattr(self, "shown", None):
            await self._looks_record()

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """Clients only listen; anything they send is ignored."""

    def event_take(self, event: dict[str, Any], frames: Frames) -> None:
        if event["type"] == "live.rows":
            self._rows_take(event, frames)
            return
        self._put(frames.text("event", lambda: json.dumps(
            {k: v for k, v in event.items() if k not in ("type", "group")})))

    def resync_take(self) -> None:
        self._put(RESYNC)

    def _put(self, text: str) -> None:
        try:
            self.outbox.put_nowait(text)
        except asyncio.QueueFull:
            # A page this far behind has lost track anyway: it fetches afresh instead.
            while not self.outbox.empty():
                self.outbox.get_nowait()
            self.outbox.put_nowait(RESYNC)

    async def _write(self) -> None:
        while True:
            await self.send(text_data=await self.outbox.get())

    def _rows_take(self, event: dict[str, Any], frames: Frames) -> None:
        """Rows rendered once for every page: this page gets each its reader may see, in the
        variant for their role (or for them); never one whose message they are kept from,
        and, for one whose person's history would count differently for them, only its id
        to fetch their own. What is shown is recorded (the event's `look`) within a second."""
        staff = self.reader.pk
        chosen, fetch, people = [], [], set()
        for n, row in enumerate(event["rows"]):
            if staff in row["hidden_from"]:
                continue
            if staff in row["own_for"]:
                fetch.append(row["message_id"])
                continue
            variant = row["by_staff"].get(str(staff)) or row["by_role"].get(self.role)
            if variant is None:
                continue
            chosen.append((n, variant))
            if row["person_id"] is not None:
                people.add(row["person_id"])
        waiting = (event["waiting"] - event["waiting_fewer"].get(str(staff), 0)
                   if "waiting" in event else None)
        if chosen or fetch or waiting is not None:
            self._put(frames.text(("rows", tuple(chosen), tuple(fetch), waiting),
                                  lambda: _rows_frame(event, chosen, fetch, waiting)))
        if people:
            self._looks_soon((event["look"]["what"], event["look"]["why"]), people)

    def _looks_soon(self, look: tuple[str, str], people: set[int]) -> None:
        self.shown.setdefault(look, set()).update(people)
        if self.look_due is None:
            self.look_due = asyncio.create_task(self._looks_later())

    async def _looks_later(self) -> None:
        await asyncio.sleep(LOOK_EVERY_SECONDS)
        self.look_due = None
        await self._looks_record()

    async def _looks_record(self) -> None:
        shown, self.shown = self.shown, {}
        for (what, why), people in shown.items():
            await _list_look_record(actor=self.reader, what=what, why=why,
                                    person_ids=sorted(people))


def _rows_frame(event: dict[str, Any], chosen: list[tuple[int, str]], fetch: list[int],
                waiting: int | None) -> str:
    rows = [event["rows"][n] for n, _ in chosen]
    page: dict[str, Any] = {"kind": event["kind"], "rows": [
        {"item": row["item"], "order": row["order"], "stage": row["stage"],
         "html": row["html"][variant]} for row, (_, variant) in zip(rows, chosen, strict=True)]}
    if fetch:
        page["fetch"] = fetch
    if waiting is not None:
        page["waiting"] = waiting
    return json.dumps(page)


@cache
def _list_look_recorder() -> Any:
    # The access trail's list-page record (conversations.looks.list_look_record) sits in a
    # layer above this one; settings name it.
    return import_string(settings.HUB_LIVE_LIST_LOOK_RECORDER)


@database_sync_to_async
def _list_look_record(**look: Any) -> None:
    _list_look_recorder()(**look)
