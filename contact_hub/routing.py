"""Every websocket route: the hub's live events, then each feature app's own."""

from __future__ import annotations

from django.urls import path

from contact_hub.consumers import HubConsumer
from rvr import routing as rvr_routing

websocket_urlpatterns = [
    path("ws/hub/", HubConsumer.as_asgi()),
    *rvr_routing.websocket_urlpatterns,
]
