"""RVR's websocket routes: the victim's and the officer's side of a video session's signalling.
contact_hub/routing.py includes them."""

from __future__ import annotations

from django.urls import re_path

from rvr.consumers import VideoSessionConsumer

websocket_urlpatterns = [
    re_path(r"^ws/rvr/(?P<session_id>\d+)/(?P<side>victim|officer)/$",
            VideoSessionConsumer.as_asgi()),
]
