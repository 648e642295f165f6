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

from contact_hub.conversations.looks import list_look_record, look_record
from contact_hub.conversations.reply import channel_choices
from contact_hub.incidents.models import Incident
from contact_hub.staff.audit import access_record, security_event_record
from contact_hub.staff.models import AccessEvent, StaffUser
from contact_hub.staff.roles import MAY_SEE_ANY_CALLS_EVIDENCE
from contact_hub.triage.selectors import PersonHistory, person_histories
from rvr.eligibility import rvr_assessment_current, rvr_ineligibility
from rvr.look_reasons import VIDEO_CALL_WAITING
from rvr.models import EvidenceStill, RiskAssessment, RvrAssessment, VideoSession
from rvr.visibility import call_records_visible_to, sessions_visible_to


def sessions_waiting(viewer: StaffUser) -> QuerySet[VideoSession]:
    """Victims in the waiting room the viewer may see, longest wait first, with what the
    officer needs to see."""
    return (sessions_visible_to(viewer).filter(status=VideoSession.Status.WAITING)
            .select_related("incident", "incident__person").order_by("checked_at", "pk"))


# Earlier incidents the officer sees beside a call; older ones are on the person's page.
EARLIER_INCIDENTS_SHOWN = 10


@dataclass(frozen=True)
class CallHistory:
    """The person's history (the one triage keeps) as the officer sees it beside an incident:
    the risk that is missed when nobody looks."""

    incident: Incident
    person: PersonHistory | None
    video_calls: int

    @property
    def incidents(self) -> list[Incident]:
        """The person's other incidents, newest first."""
        if self.person is None:
            return []
        earlier = [i for i in self.person.incidents if i.pk != self.incident.pk]
        return earlier[:EARLIER_INCIDENTS_SHOWN]

    @property
    def incident_flags(self) -> list[str]:
        """The flags on this and the person's other incidents, not the person's markers."""
        if self.person is None:
            return sorted(self.incident.flags)
        return self.person.incident_flags


def call_histories(incidents: list[Incident], *, viewer: StaffUser) -> list[CallHistory]:
    """Each incident's person history as the viewer may see it, read together for the
    officers' waiting list."""
    histories = person_histories((i.person_id for i in incidents if i.person_id is not None),
                                 viewer=viewer)
    # Calls of an incident kept from the viewer are not counted: a count one higher than
    # they can find would tell them of it.
    calls = dict(sessions_visible_to(viewer).filter(
        incident__person_id__in=histories, officer_connected_at__isnull=False)
        .values("incident__person_id").annotate(n=Count("pk"))
        .values_list("incident__person_id", "n"))
    return [CallHistory(incident=i, person=histories.get(i.person_id or 0),
                        video_calls=calls.get(i.person_id or 0, 0)) for i in incidents]


def call_history(incident: Incident, *, viewer: StaffUser) -> CallHistory:
    return call_histories([incident], viewer=viewer)[0]


@dataclass(frozen=True)
class WaitingRead:
    waiting: list[tuple[VideoSession, CallHistory]]


def video_waiting_read(*, actor: StaffUser) -> WaitingRead:
    """The officers' waiting list: each victim waiting with her history, and one access event
    naming every victim it shows."""
    with transaction.atomic():
        sessions = list(sessions_waiting(actor))
        histories = call_histories([s.incident for s in sessions], viewer=actor)
        list_look_record(actor=actor, what="video waiting list", why=VIDEO_CALL_WAITING,
                         person_ids=[s.incident.person_id for s in sessions])
        return WaitingRead(waiting=list(zip(sessions, histories, strict=True)))


# Reads of a victim's record, each written to the access log in the same transaction; each
# raises ReasonNeeded when the reader has no reason to look at her.

def _look(actor: StaffUser, person_id: int | None, what: str) -> None:
    if person_id is None:
        # An incident with nobody's record on it: the read is still in the log.
        access_record(actor=actor, action=AccessEvent.Action.VIEW, what=what,
                      why="working an incident")
        return
    look_record(actor=actor, person_id=person_id, what=what)


@dataclass(frozen=True)
class PanelRead:
    refusal: str | None
    assessment: RvrAssessment | None
    sessions: list[VideoSession]


def rvr_panel_read(*, incident: Incident, actor: StaffUser) -> PanelRead:
    """The RVR part of the incident page: the check's state and the latest links."""
    with transaction.atomic():
        _look(actor, incident.person_id, f"RVR panel {incident.reference}")
        return PanelRead(refusal=rvr_ineligibility(incident),
                         assessment=rvr_assessment_current(incident),
                         sessions=list(incident.video_sessions.order_by("-link_sent_at")[:5]))

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
        _look(actor, incident.person_id, f"RVR check {incident.reference}")
        return CheckRead(
            refusal=rvr_ineligibility(incident), assessment=rvr_assessment_current(incident),
            channels=channel_choices(incident.person, now=now) if incident.person else [],
            sessions=list(incident.video_sessions.order_by("-link_sent_at")))


@dataclass(frozen=True)
class CallRead:
    history: CallHistory
    risk: RiskAssessment | None


def video_call_read(*, session: VideoSession, officer: StaffUser) -> CallRead:
    """What the officer sees beside the call: the person's history and the DASH so far."""
    with transaction.atomic():
        _look(officer, session.incident.person_id, f"video call {session.pk}")
        return CallRead(history=call_history(session.incident, viewer=officer),
                        risk=RiskAssessment.objects.filter(session=session).first())


def evidence_still_read(*, still_id: int, actor: StaffUser) -> EvidenceStill | None:
    """An evidence still with its image, or None if there is none with that id, or it is from
    another officer's call (an RVR officer sees only their own calls' evidence, as with what
    the victim sends; the refusal is a security event, the answer the same as for no still)."""
    with transaction.atomic():
        still = (call_records_visible_to(EvidenceStill.objects.all(), actor)
                 .select_related("incident", "session").filter(pk=still_id).first())
        if still is None:
            return None
        if (not actor.has_role(*MAY_SEE_ANY_CALLS_EVIDENCE)
                and still.session.officer_id != actor.pk):
            security_event_record("video_still_not_officer", actor=actor,
                                  detail={"still_id": still.pk})
            return None
        _look(actor, still.incident.person_id, f"evidence still {still.pk}")
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
                     for officer, contact, opened in connected
                     if officer is not None)  # always, by the filter
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
