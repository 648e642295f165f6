"""Which of a call's records a member of staff may see: every one but those whose incident is
kept from them (an allegation naming them), by whatever page or socket asks for it by its id."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet

from contact_hub.conversations.visibility import hides_anything_from
from contact_hub.incidents.models import Incident
from contact_hub.incidents.visibility import incidents_visible_to
from contact_hub.staff.models import StaffUser
from rvr.models import RvrAssessment, VideoSession

Record = TypeVar("Record", bound=Model)


def call_records_visible_to(records: QuerySet[Record], viewer: StaffUser) -> QuerySet[Record]:
    """These records of calls (sessions, recordings, stills, what she sent: each names its
    incident) but those of an incident kept from the viewer: to them, as records that do not
    exist (an officer named after taking the call, a supervisor named before playing it)."""
    if not hides_anything_from(viewer):
        return records
    return records.filter(incident__in=incidents_visible_to(Incident.objects.all(), viewer))


def sessions_visible_to(viewer: StaffUser) -> QuerySet[VideoSession]:
    return call_records_visible_to(VideoSession.objects.all(), viewer)


def assessments_visible_to(viewer: StaffUser) -> QuerySet[RvrAssessment]:
    return call_records_visible_to(RvrAssessment.objects.all(), viewer)
