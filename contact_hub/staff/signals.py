"""Failed sign-ins and lockouts: what axes and the security events keep of them.

A typed username that is not an account is kept only as a keyed hash (it is often a password);
axes locks out by that same value, so repeated tries with one name from one address still count.
"""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from contact_hub.staff.audit import security_event_record, sign_in_name_recorded


def axes_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """AXES_USERNAME_CALLABLE: the name axes stores each attempt under and locks out by."""
    source = credentials if credentials is not None else getattr(request, "POST", {})
    typed = source.get("username")
    return None if typed is None else sign_in_name_recorded(str(typed))


@receiver(user_login_failed)
def login_failed(sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
    typed = str(credentials.get("username", ""))
    security_event_record("login_failed", request=request,
                          detail={"username": sign_in_name_recorded(typed)})


@receiver(user_locked_out)
def locked_out(sender: Any, request: Any = None, username: str = "", **kwargs: Any) -> None:
    # Axes names the attempt by axes_username's value: already safe to keep.
    security_event_record("login_locked_out", request=request,
                          detail={"username": str(username or "")[:150]})
