"""The reasons the incident queue gives staff to open a person's record without holding
anything of theirs: registered with `conversations.looks` when the app is ready."""

from __future__ import annotations

from datetime import datetime

from contact_hub.conversations.looks import look_reason_register
from contact_hub.incidents.models import Incident
from contact_hub.staff.models import StaffUser
from contact_hub.staff.roles import MAY_SUPERVISE, MAY_WORK_INCIDENTS


def supervising_open_incident(actor: StaffUser, person_id: int, now: datetime) -> str | None:
    """A supervisor on shift oversees every open incident."""
    if actor.has_role(*MAY_SUPERVISE) and Incident.objects.filter(
            person_id=person_id, closed_at__isnull=True).exists():
        return "supervising an open incident"
    return None


def incident_waiting_for_a_unit(actor: StaffUser, person_id: int, now: datetime) -> str | None:
    """An open incident nobody attends yet (or whose unit was diverted) is on every
    coordinator's dispatch list."""
    if actor.has_role(*MAY_WORK_INCIDENTS) and Incident.objects.filter(
            person_id=person_id, closed_at__isnull=True,
            status__in=[Incident.Status.OPEN, Incident.Status.DIVERTED]).exists():
        return "dispatch list: incident waiting for a unit"
    return None


def incident_look_reasons_register() -> None:
    look_reason_register(supervising_open_incident)
    look_reason_register(incident_waiting_for_a_unit)
