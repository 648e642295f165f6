from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from contact_hub.conversations.models import OutboxEntry
from contact_hub.conversations.selectors import contacts_recent
from contact_hub.conversations.sending import outbox_enabled
from contact_hub.staff.access import role_required
from contact_hub.staff.models import Role

CONTACT_ROLES = (Role.COORDINATOR, Role.SUPERVISOR, Role.RVR_OFFICER)


@role_required(*CONTACT_ROLES)
def contacts_view(request: HttpRequest) -> HttpResponse:
    return render(request, "conversations/contacts.html", {"messages_": contacts_recent()})


@role_required(*CONTACT_ROLES)
def contacts_list_view(request: HttpRequest) -> HttpResponse:
    """The list alone, re-fetched by the page whenever the websocket says something changed."""
    return render(request, "conversations/_contacts_list.html", {"messages_": contacts_recent()})


@role_required(Role.COORDINATOR, Role.SUPERVISOR, Role.ADMINISTRATOR)
def outbox_view(request: HttpRequest) -> HttpResponse:
    enabled = outbox_enabled()
    entries = OutboxEntry.objects.all()[:100] if enabled else []
    return render(request, "conversations/outbox.html", {"entries": entries, "enabled": enabled})
