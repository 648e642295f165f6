from __future__ import annotations

from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "contact_hub.incidents"
    label = "incidents"
    verbose_name = "Incidents and their logs"

    def ready(self) -> None:
        from contact_hub.incidents.look_reasons import incident_look_reasons_register

        incident_look_reasons_register()
