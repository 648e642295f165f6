"""Which incidents a reader may see: not one opened from, or linked to, a contact that carries
an allegation naming them (its code and flags alone would tell them it exists). The same rule
as messages, `conversations.visibility`, applied through the incident's linked contacts."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from contact_hub.conversations.visibility import Viewer, message_hidden_q
from contact_hub.incidents.models import Incident, IncidentContact


def incidents_visible_to(incidents: QuerySet[Incident], viewer: Viewer) -> QuerySet[Incident]:
    hidden_links = IncidentContact.objects.filter(message_hidden_q(viewer, field="message_id"),
                                                  incident_id=OuterRef("pk"))
    return incidents.filter(~Exists(hidden_links))
