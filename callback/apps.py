from __future__ import annotations

from django.apps import AppConfig


class CallbackConfig(AppConfig):
    name = "callback"
    label = "callback"
