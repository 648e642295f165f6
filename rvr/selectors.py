"""Reads the RVR pages share: the officers' waiting list and the supervisor's figures."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Min, Q, QuerySet

from contact_hub.incidents.models import Incident
from rvr.models import RvrAssessment, VideoSession


def sessions_waiting() -> QuerySet[VideoSession]:
    """Victims in the waiting room, longest wait first, with what the officer needs to see."""
    return (VideoSession.objects.filter(status=VideoSession.Status.WAITING)
            .select_related("incident", "incident__person")
            .order_by("checked_at", "pk"))


@dataclass(frozen=True)
class PersonHistory:
    incidents: list[Incident]
    video_calls: int
    markers: list[str]


def person_history(incident: Incident) -> PersonHistory:
    """The person's earlier incidents and markers: the risk that is missed when nobody looks."""
    if incident.person_id is None:
        return PersonHistory([], 0, list(incident.flags))
    earlier = list(Incident.objects.filter(person_id=incident.person_id)
                   .exclude(pk=incident.pk).order_by("-created_at")[:10])
    calls = VideoSession.objects.filter(incident__person_id=incident.person_id,
                                        officer_connected_at__isnull=False).count()
    markers = sorted({flag for i in [incident, *earlier] for flag in i.flags})
    return PersonHistory(earlier, calls, markers)


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
