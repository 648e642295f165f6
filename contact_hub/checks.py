"""Configuration errors caught before the hub starts (`manage.py check`, and every command)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register


@register()
def production_needs_its_own_secret(app_configs: Any, **kwargs: Any) -> list[Error]:
    if settings.EMBEDDED or settings.SECRET_KEY != settings.EMBEDDED_SECRET_KEY:
        return []
    return [Error("SECRET_KEY is not set, but the hub is running on Redis (production mode).",
                  hint="Set SECRET_KEY to a long random value in the environment.",
                  id="hub.E001")]
