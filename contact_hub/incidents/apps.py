from __future__ import annotations

from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "contact_hub.incidents"
    label = "incidents"
    verbose_name = "Incidents and their logs"
