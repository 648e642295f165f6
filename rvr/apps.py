from __future__ import annotations

from django.apps import AppConfig


class RvrConfig(AppConfig):
    name = "rvr"
    label = "rvr"
