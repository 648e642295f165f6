from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from contact_hub.conversations.models import OutboxEntry
from contact_hub.staff.access import role_required
from contact_hub.staff.models import Role


@role_required(Role.COORDINATOR, Role.SUPERVISOR, Role.ADMINISTRATOR)
def outbox_view(request: HttpRequest) -> HttpResponse:
    enabled = settings.HUB_TEXT_BACKEND.endswith(".OutboxBackend")
    entries = OutboxEntry.objects.all()[:100] if enabled else []
    return render(request, "conversations/outbox.html", {"entries": entries, "enabled": enabled})
