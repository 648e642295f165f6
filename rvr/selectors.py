"""Reads for the RVR pages: the officers' waiting list, the supervisor's figures, and the reads of
a victim's record (the check, the call, evidence), each written to the access log."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from contact_hub.incidents.models import Incident
from contact_hub.staff.audit import access_record
from contact_hub.staff.models import AccessEvent, StaffUser
from rvr.eligibility import rvr_assessment_current, rvr_ineligibility
from rvr.links import link_channels
from rvr.models import EvidenceStill, RiskAssessment, RvrAssessment, VideoSession


def sessions_waiting() -> QuerySet[VideoSession]:
    """Victims in the waiting room, longest wait first, with what the officer needs to see."""
    return (VideoSession.objects.filter(status=VideoSession.Status.WAITING)
            .select_related("incident", "incident__person")
            .order_by("checked_at", "pk"))


@dataclass(frozen=True)
class PersonHistory:
    incidents: list[Incident]
    video_calls: int
    incident_flags: list[str]  # the flags on this and the earlier incidents, not person markers


def person_history(incident: Incident) -> PersonHistory:
    """The person's earlier incidents and their flags: the risk that is missed when nobody
    looks."""
    if incident.person_id is None:
        return PersonHistory([], 0, list(incident.flags))
    earlier = list(Incident.objects.filter(person_id=incident.person_id)
                   .exclude(pk=incident.pk).order_by("-created_at")[:10])
    calls = VideoSession.objects.filter(incident__person_id=incident.person_id,
                                        officer_connected_at__isnull=False).count()
    flags = sorted({flag for i in [incident, *earlier] for flag in i.flags})
    return PersonHistory(earlier, calls, flags)


# Reads of a victim's record, each written to the access log in the same transaction.

@dataclass(frozen=True)
class CheckRead:
    refusal: str | None
    assessment: RvrAssessment | None
    channels: list[tuple[str, str]]
    sessions: list[VideoSession]


def rvr_check_read(*, incident: Incident, actor: StaffUser,
                   now: datetime | None = None) -> CheckRead:
    """What the coordinator sees of the RVR check: its state, the channels a link could go on,
    the links sent."""
    now = now or timezone.now()
    with transaction.atomic():
        access_record(actor=actor, action=AccessEvent.Action.VIEW,
                      what=f"RVR check {incident.reference}", why="working an incident",
                      person_id=incident.person_id)
        return CheckRead(
            refusal=rvr_ineligibility(incident), assessment=rvr_assessment_current(incident),
            channels=link_channels(incident.person, now=now) if incident.person else [],
            sessions=list(incident.video_sessions.order_by("-link_sent_at")))


@dataclass(frozen=True)
class CallRead:
    history: PersonHistory
    risk: RiskAssessment | None


def video_call_read(*, session: VideoSession, officer: StaffUser) -> CallRead:
    """What the officer sees beside the call: the person's history and the DASH so far."""
    with transaction.atomic():
        access_record(actor=officer, action=AccessEvent.Action.VIEW,
                      what=f"video call {session.pk}", why="Rapid Video Response call",
                      person_id=session.incident.person_id)
        return CallRead(history=person_history(session.incident),
                        risk=RiskAssessment.objects.filter(session=session).first())


def evidence_still_read(*, still_id: int, actor: StaffUser) -> EvidenceStill | None:
    """An evidence still with its image, or None if there is none with that id."""
    with transaction.atomic():
        still = EvidenceStill.objects.select_related("incident").filter(pk=still_id).first()
        if still is None:
            return None
        access_record(actor=actor, action=AccessEvent.Action.VIEW,
                      what=f"evidence still {still.pk}", why="viewing evidence",
                      person_id=still.incident.person_id)
        return still


@dataclass(frozen=True)
class RvrFigures:
    calls: int
    median_minutes: float | None
    p90_minutes: float | None
    eligible: int
    took_up: int

    @property
    def uptake_pct(self) -> float | None:
        return round(100 * self.took_up / self.eligible, 1) if self.eligible else None


def rvr_figures(*, since: datetime, until: datetime) -> RvrFigures:
    """Contact-to-officer time (first contact on the incident to the officer connecting) and the
    share of victims who passed every safety check and chose RVR."""
    connected = (VideoSession.objects
                 .filter(officer_connected_at__gte=since, officer_connected_at__lt=until)
                 .annotate(first_contact=Min("incident__contacts__message__created_at"))
                 .values_list("officer_connected_at", "first_contact", "incident__created_at"))
    minutes = sorted((officer - (contact or opened)) / timedelta(minutes=1)
                     for officer, contact, opened in connected)
    decided = RvrAssessment.objects.filter(decided_at__gte=since, decided_at__lt=until)
    passed = decided.exclude(consent__isnull=True).aggregate(
        eligible=Count("pk"), took_up=Count("pk", filter=Q(consent=True)))
    return RvrFigures(
        calls=len(minutes),
        median_minutes=round(statistics.median(minutes), 1) if minutes else None,
        p90_minutes=round(_percentile(minutes, 90), 1) if minutes else None,
        eligible=passed["eligible"], took_up=passed["took_up"])


def _percentile(ordered: list[float], p: float) -> float:
    """Nearest-rank percentile of an ordered list."""
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]
