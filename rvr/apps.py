from __future__ import annotations

from django.apps import AppConfig


class RvrConfig(AppConfig):
    name = "rvr"
    label = "rvr"

    def ready(self) -> None:
        from contact_hub.triage.queue import queue_source_register
        from rvr import checks  # noqa: F401  (registers the configuration checks)
        from rvr.queue import video_victims_waiting

        # The dashboard lists victims waiting for video through triage's registry of sources.
        queue_source_register(video_victims_waiting)
