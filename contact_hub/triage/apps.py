from __future__ import annotations

from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "contact_hub.triage"
    label = "triage"
    verbose_name = "Triage"

    def ready(self) -> None:
        from contact_hub.triage.look_reasons import triage_look_reasons_register

        triage_look_reasons_register()

        from contact_hub.triage.referrals import referrals_register

        referrals_register()
