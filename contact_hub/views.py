from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

from contact_hub.staff.access import StaffRequest, public_view
from contact_hub.staff.models import Role

HOME_BY_ROLE: dict[str, str] = {
    Role.COORDINATOR: "triage:dashboard",
    Role.SUPERVISOR: "triage:dashboard",
    Role.RVR_OFFICER: "triage:dashboard",
    Role.PROFESSIONAL_STANDARDS: "staff:flagged_looks",
    Role.ADMINISTRATOR: "admin:index",
}


def home_view(request: StaffRequest) -> HttpResponse:
    return redirect(HOME_BY_ROLE.get(request.user.role, "staff:login"))


@public_view
def health_view(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
