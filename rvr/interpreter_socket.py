"""The interpreter's websocket on a video session (ws/rvr/<session>/interpreter/).

Admitted only by the cookie of the browser that joined with the interpreter's link, while the
call is on. It carries signalling for the interpreter's two peer connections and nothing else:
what the interpreter may send is checked by rvr/signalling.py (offers and candidates, each to
the officer or the victim), and of what goes round the session it gets only messages addressed
to it, who joined or left, and the call ending; never the chat or the call's own signalling.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings

from rvr.consumers import CLOSE_FORBIDDEN, VideoSessionConsumer
from rvr.interpreter import (
    INTERPRETER_COOKIE,
    interpreter_admitted,
    interpreter_presence_record,
)
from rvr.signalling import INTERPRETER, RateLimit

# What reaches this socket from the session's group; anything else another feature sends
# there is not for the interpreter.
GROUP_EVENTS = ("signal.relay", "live.event")
PRESENCE = ("peer.joined", "peer.left")
CLOSING = ("video.ended", "video.revoked")


class InterpreterConsumer(VideoSessionConsumer):
    async def connect(self) -> None:
        self.session_id = int(self.scope["url_route"]["kwargs"]["session_id"])
        self.side, self.staff, self.invite_id = INTERPRETER, None, 0
        self.group = f"rvr.session.{self.session_id}"
        self.joined, self.check, self.check_task, self.refusals = False, None, None, 0
        self.limit = RateLimit(burst=settings.RVR_SIGNAL_BURST,
                               per_second=settings.RVR_SIGNAL_PER_SECOND)
        secret = self.scope.get("cookies", {}).get(INTERPRETER_COOKIE, "")
        invite = await database_sync_to_async(interpreter_admitted)(
            session_id=self.session_id, browser_secret=secret)
        if invite is None:
            await self._security_event("video_socket_interpreter_refused")
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.invite_id = invite.pk
        await self.channel_layer.group_add(self.group, self.channel_name)
        self.joined = True
        await self._live_join()
        await self.accept()
        await database_sync_to_async(interpreter_presence_record)(invite_id=self.invite_id,
                                                                  joined=True)
        await self._send({"type": "welcome", "side": INTERPRETER})
        await self._relay({"type": "interpreter.joined"})

    async def disconnect(self, code: int) -> None:
        await self._leave()

    async def _leave(self) -> None:
        """Off the call: once, whether the browser went or the hub closed the socket."""
        await self._live_leave()
        if not self.joined:
            return
        self.joined = False
        await self._relay({"type": "interpreter.left"})
        await self.channel_layer.group_discard(self.group, self.channel_name)
        await database_sync_to_async(interpreter_presence_record)(invite_id=self.invite_id,
                                                                  joined=False)

    async def dispatch(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind.startswith("websocket.") or kind in GROUP_EVENTS:
            await super().dispatch(message)

    async def signal_relay(self, event: dict[str, Any]) -> None:
        message = event["message"]
        if event.get("to") == INTERPRETER or (
                event.get("to") is None and message.get("type") in PRESENCE):
            await self._send(message)

    async def live_event(self, event: dict[str, Any]) -> None:
        kind = event["kind"]
        if kind in CLOSING or (kind == "interpreter.revoked"
                               and event.get("interpreter_id") == self.invite_id):
            await self._send({"type": kind})
            await self._leave()
            await self.close()
