"""The faster connect: what the officer's console needs to make a call's connection ready
before they press Accept (rvr/static/rvr/officer_connect.js)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils import timezone

from contact_hub.staff.access import StaffRequest, role_required
from contact_hub.staff.roles import MAY_TAKE_VIDEO_CALLS
from rvr.ice import console_ice_servers, relay_only


@role_required(*MAY_TAKE_VIDEO_CALLS)
def connect_settings_view(request: StaffRequest) -> HttpResponse:
    """ICE servers for the console's connection, and when to make it again: before its TURN
    credentials run out."""
    return JsonResponse({
        "ice_servers": console_ice_servers(officer_id=request.user.pk, now=timezone.now()),
        "relay_only": relay_only(),
        "renew_seconds": settings.TURN_CREDENTIAL_SECONDS // 2,
    })
