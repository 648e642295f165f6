from __future__ import annotations

from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "contact_hub.staff"
    label = "staff"
    verbose_name = "Staff, access log and security events"

    def ready(self) -> None:
        from contact_hub.staff import signals  # noqa: F401
