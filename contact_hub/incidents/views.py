from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from contact_hub.incidents.log import log_verify
from contact_hub.incidents.models import Incident
from contact_hub.staff.access import role_required
from contact_hub.staff.audit import access_record
from contact_hub.staff.models import AccessEvent, Role

INCIDENT_ROLES = (Role.COORDINATOR, Role.SUPERVISOR, Role.RVR_OFFICER,
                  Role.PROFESSIONAL_STANDARDS)


@role_required(*INCIDENT_ROLES)
def incident_view(request: HttpRequest, reference: str) -> HttpResponse:
    incident = get_object_or_404(Incident.objects.select_related("person", "assigned_to"),
                                 reference=reference)
    access_record(actor=request.user, action=AccessEvent.Action.VIEW,
                  what=f"incident {incident.reference}", why="working an incident",
                  person_id=incident.person_id)
    return render(request, "incidents/incident.html", {
        "incident": incident,
        "log": incident.log.select_related("actor").order_by("-seq"),
        "log_problem": log_verify(incident),
        "contacts": incident.contacts.select_related("message").order_by("-linked_at"),
    })


@role_required(*INCIDENT_ROLES)
def incident_list_view(request: HttpRequest) -> HttpResponse:
    incidents = Incident.objects.filter(closed_at__isnull=True).order_by("target_at")[:200]
    return render(request, "incidents/incident_list.html", {"incidents": incidents})
