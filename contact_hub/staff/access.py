"""Who may see what: the second-factor gate, role checks and the public-view marker."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from contact_hub.staff.audit import security_event_record

ViewFunc = Callable[..., HttpResponse]


def public_view(view: ViewFunc) -> ViewFunc:
    """Mark a view as open without staff login (webhooks, the victim's pages, the login page)."""
    view.hub_public = True  # type: ignore[attr-defined]
    return view


def is_verified_staff(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_verified())


def role_required(*roles: str) -> Callable[[ViewFunc], ViewFunc]:
    """Refuse, with a security event, staff whose role does not need this page."""

    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.has_role(*roles):
                security_event_record("wrong_role", request=request,
                                      detail={"role": request.user.role, "needs": list(roles)})
                return render(request, "hub/refused.html",
                              {"reason": "Your role does not give access to this page."},
                              status=403)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
