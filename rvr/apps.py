from __future__ import annotations

from django.apps import AppConfig


class RvrConfig(AppConfig):
    name = "rvr"
    label = "rvr"

    def ready(self) -> None:
        from rvr import checks  # noqa: F401  (registers the configuration checks)
