"""RVR's websocket routes: the victim's, the officer's and an interpreter's side of a video
session's signalling. contact_hub/routing.py includes them."""

from __future__ import annotations

from django.urls import re_path

from rvr.consumers import VideoSessionConsumer
from rvr.interpreter_socket import InterpreterConsumer

websocket_urlpatterns = [
    re_path(r"^ws/rvr/(?P<session_id>\d+)/(?P<side>victim|officer)/$",
            VideoSessionConsumer.as_asgi()),
    re_path(r"^ws/rvr/(?P<session_id>\d+)/interpreter/$", InterpreterConsumer.as_asgi()),
]
