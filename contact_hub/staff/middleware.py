from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from contact_hub.staff.access import is_verified_staff
from contact_hub.staff.audit import security_event_record


class StaffSecondFactorMiddleware:
    """Every view is a staff page needing a password and a verified second factor, unless it is
    marked with @public_view. Deny by default, so a new page can never be left open by mistake."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Any, view_args: Any,
                     view_kwargs: Any) -> HttpResponse | None:
        if getattr(view_func, "hub_public", False) or is_verified_staff(request.user):
            return None
        if request.user.is_authenticated:
            security_event_record("second_factor_missing", request=request)
        if request.method in ("GET", "HEAD"):
            return redirect_to_login(request.get_full_path())
        return render(request, "staff/refused.html",
                      {"reason": "Sign in with your password and authenticator code first."},
                      status=403)
