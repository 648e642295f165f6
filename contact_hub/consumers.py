"""The hub's live-events websocket: it tells pages something changed; pages fetch the state."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from contact_hub.live import CONDUCT_GROUP, HUB_GROUP
from contact_hub.staff.roles import MAY_REVIEW_CONDUCT, MAY_WATCH_LIVE
from contact_hub.staff.sessions import staff_session_ended

CLOSE_FORBIDDEN = 4403


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
    async def connect(self) -> None:
        role = await verified_staff_role(self.scope)
        self.groups_joined = _groups_for(role)
        if not self.groups_joined:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        # Events sent while this page was disconnected are gone: tell it to fetch afresh.
        await self.send_json({"kind": "resync"})

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """Clients only listen; anything they send is ignored."""

    async def live_event(self, event: dict[str, Any]) -> None:
        await self.send_json({k: v for k, v in event.items() if k != "type"})
