"""Configuration errors in RVR caught before the hub starts."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register

from rvr.links import link_text_problems
from rvr.risk_forms import risk_forms_problems


@register()
def link_text_is_neutral(app_configs: Any, **kwargs: Any) -> list[Error]:
    problems = link_text_problems()
    if "{link}" not in settings.RVR_LINK_TEXT:
        problems.append("it has no {link}")
    if not problems:
        return []
    return [Error("RVR_LINK_TEXT or RVR_LINK_BASE_URL could give a victim away: "
                  + "; ".join(problems) + ".",
                  hint="Victims' texts may be read on a lock screen; keep them neutral.",
                  id="rvr.E001")]


@register()
def relay_only_needs_turn(app_configs: Any, **kwargs: Any) -> list[Warning]:
    if not settings.RVR_RELAY_ONLY or (settings.TURN_URLS and settings.TURN_SECRET):
        return []
    return [Warning("RVR_RELAY_ONLY is set but TURN_URLS or TURN_SECRET is not, so calls "
                    "connect directly and each side can see the other's address.",
                    id="rvr.W001")]


@register()
def risk_form_holds_together(app_configs: Any, **kwargs: Any) -> list[Error]:
    # The officer's console asks the questions of the form the force file names; an unknown,
    # malformed or unfinished form would leave officers without a risk assessment in the call.
    return [Error(problem, hint="See [risk_assessment] in the force file and rvr/risk_forms/.",
                  id="rvr.E002")
            for problem in risk_forms_problems(settings.HUB_RISK_FORM,
                                               settings.HUB_RISK_FORMS_DIR)]
