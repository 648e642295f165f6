"""Configuration errors caught before the hub starts (`manage.py check`, and every command)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register


@register()
def force_configuration_holds_together(app_configs: Any, **kwargs: Any) -> list[Error]:
    from contact_hub.force import force_config_problems

    return [Error(f"{settings.HUB_FORCE_FILE}: {problem}", id="hub.E002")
            for problem in force_config_problems(settings.HUB_FORCE)]


@register()
def risk_rules_prove_themselves(app_configs: Any, **kwargs: Any) -> list[Error]:
    from contact_hub.triage.rules import risk_rules, rules_problems

    return [Error(f"{settings.HUB_RISK_RULES_FILE}: {problem}", id="hub.E003")
            for problem in rules_problems(risk_rules())]
