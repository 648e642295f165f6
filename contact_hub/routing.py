from __future__ import annotations

from django.urls import path, re_path

from contact_hub.consumers import HubConsumer
from rvr.consumers import VideoSessionConsumer

websocket_urlpatterns = [
    path("ws/hub/", HubConsumer.as_asgi()),
    re_path(r"^ws/rvr/(?P<session_id>\d+)/(?P<side>victim|officer)/$",
            VideoSessionConsumer.as_asgi()),
]
