"""State changes on incidents. Each writes its log entry in the same transaction."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from contact_hub.conversations.models import Message
from contact_hub.incidents.log import log_append
from contact_hub.incidents.models import Incident, IncidentContact
from contact_hub.people.models import Person
from contact_hub.staff.models import StaffUser

THRIVE_FIELDS = ("threat", "harm", "risk", "investigation", "vulnerability", "engagement")


class IncidentRefused(ValueError):
    """The change is not allowed; the reason is safe to show to staff."""


def grade_target(grade: str, *, from_time: datetime) -> datetime | None:
    try:
        minutes = settings.HUB_GRADES[grade]["target_minutes"]
    except KeyError as error:
        raise IncidentRefused(f"Unknown grade '{grade}'.") from error
    return None if minutes is None else from_time + timedelta(minutes=minutes)


def incident_open(*, opening_code: str, grade: str, actor: StaffUser | None,
                  person: Person | None = None, message: Message | None = None,
                  thrive: dict[str, str] | None = None) -> Incident:
    """Create an incident with its reference and target time, linked to the contact if given."""
    now = timezone.now()
    target_at = grade_target(grade, from_time=now)
    thrive = {k: v for k, v in (thrive or {}).items() if k in THRIVE_FIELDS}
    if message is not None and person is None:
        person = message.conversation.person
    with transaction.atomic():
        incident = Incident.objects.create(
            reference=f"pending-{uuid.uuid4().hex[:20]}", opening_code=opening_code.strip().upper(),
            grade=grade, person=person, target_at=target_at, **thrive,
        )
        incident.reference = f"INC-{now:%Y%m%d}-{incident.pk:06d}"
        Incident.objects.filter(pk=incident.pk).update(reference=incident.reference)
        log_append(incident, "incident.opened", {
            "opening_code": incident.opening_code, "grade": grade,
            "target_at": target_at, "person_id": person.pk if person else None,
            "thrive": thrive,
        }, actor=actor)
        if message is not None:
            incident_contact_link(incident=incident, message=message, actor=actor)
    return incident


def incident_contact_link(*, incident: Incident, message: Message,
                          actor: StaffUser | None) -> IncidentContact:
    with transaction.atomic():
        link, created = IncidentContact.objects.get_or_create(incident=incident, message=message)
        if created:
            log_append(incident, "contact.linked",
                       {"message_id": message.pk, "channel": message.channel}, actor=actor)
    return link


def incident_close(*, incident: Incident, reason: str, actor: StaffUser) -> Incident:
    if incident.closed_at is not None:
        raise IncidentRefused("The incident is already closed.")
    reason = reason.strip()
    if not reason:
        raise IncidentRefused("Say why the incident is being closed.")
    with transaction.atomic():
        incident.status, incident.closed_at = Incident.Status.CLOSED, timezone.now()
        incident.save(update_fields=["status", "closed_at"])
        log_append(incident, "incident.closed", {"reason": reason}, actor=actor)
    return incident
