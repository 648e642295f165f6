"""Configuration errors caught before the hub starts (`manage.py check`, and every command)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register


@register()
def force_configuration_holds_together(app_configs: Any, **kwargs: Any) -> list[Error]:
    from contact_hub.force import force_config_problems

    return [Error(f"{settings.HUB_FORCE_FILE}: {problem}", id="hub.E002")
            for problem in force_config_problems(settings.HUB_FORCE)]


@register()
def risk_rules_prove_themselves(app_configs: Any, **kwargs: Any) -> list[Error]:
    from contact_hub.triage.referrals import unnamed_staff_problems
    from contact_hub.triage.rules import risk_rules, rules_problems

    return [Error(f"{settings.HUB_RISK_RULES_FILE}: {problem}", id="hub.E003")
            for problem in rules_problems(risk_rules()) + unnamed_staff_problems()]


@register()
def conduct_rules_prove_themselves(app_configs: Any, **kwargs: Any) -> list[Error]:
    from contact_hub.conversations.conduct import conduct_rules_check

    return [Error(f"{settings.HUB_CONDUCT_RULES_FILE}: {problem}", id="hub.E004")
            for problem in conduct_rules_check()]


@register(deploy=True)
def victims_links_have_their_own_host(app_configs: Any, **kwargs: Any) -> list[Warning]:
    if settings.DEMO or settings.HUB_VICTIM_HOST:
        return []
    return [Warning(
        "Victims' links (RVR_LINK_BASE_URL) point at the staff host, which shows the staff "
        "sign-in and the hub's name to anyone who opens one.",
        hint="Set RVR_LINK_BASE_URL to a neutral domain of its own (or HUB_VICTIM_HOST).",
        id="hub.W001")]


@register(deploy=True)
def follow_up_work_runs_on_workers(app_configs: Any, **kwargs: Any) -> list[Warning]:
    if settings.DEMO or not settings.EMBEDDED:
        return []
    return [Warning(
        "REDIS_URL is not set, so follow-up work runs inside web requests: the public callback "
        "form then answers more slowly when a number has asked before, which tells an abuser "
        "she asked.",
        hint="Set REDIS_URL and run Celery workers (docker-compose.yml does).", id="hub.W002")]
