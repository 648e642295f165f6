"""Failed sign-ins and lockouts become security events."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver

from contact_hub.staff.audit import security_event_record


@receiver(user_login_failed)
def login_failed(sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
    security_event_record("login_failed", request=request,
                          detail={"username": str(credentials.get("username", ""))[:150]})


@receiver(user_locked_out)
def locked_out(sender: Any, request: Any = None, username: str = "", **kwargs: Any) -> None:
    security_event_record("login_locked_out", request=request,
                          detail={"username": str(username or "")[:150]})
