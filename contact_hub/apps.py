from __future__ import annotations

from django.apps import AppConfig


class ContactHubConfig(AppConfig):
    name = "contact_hub"
    label = "contact_hub"
    verbose_name = "Contact hub"

    def ready(self) -> None:
        from contact_hub import checks  # noqa: F401
