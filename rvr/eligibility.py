"""RVR eligibility: the grade and type rule, the coordinator's safety check, the victim's choice.

RVR is optional and victim-led. A failed check or a "no" from the victim means the incident
continues to an in-person response, never to no response: the incident stays open in the
dispatch queue with a flag saying so.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from contact_hub.incidents.grades import opening_code_is_domestic
from contact_hub.incidents.log import log_append
from contact_hub.incidents.models import Incident
from contact_hub.incidents.services import IncidentRefused, incident_flag_add
from contact_hub.live import LiveEvent, live_event_send
from contact_hub.staff.models import StaffUser
from rvr.availability import offer_log_data, offer_note, offer_refusal, officers_on_hand
from rvr.models import SAFETY_CHECKS, RvrAssessment

IN_PERSON_FLAG = "in_person_response"


class RvrRefused(ValueError):
    """The RVR step is not allowed; the reason is safe to show to staff."""


@contextmanager
def incident_refusals() -> Iterator[None]:
    """An incidents action refused inside an RVR step refuses the step, with its reason, so RVR's
    pages and sockets need handle only RvrRefused."""
    try:
        yield
    except IncidentRefused as refusal:
        raise RvrRefused(str(refusal)) from refusal


def is_domestic_abuse(incident: Incident) -> bool:
    """Domestic abuse codes are marked `domestic = true` in the force file."""
    return opening_code_is_domestic(incident.opening_code)


def rvr_ineligibility(incident: Incident) -> str | None:
    """Why RVR cannot be offered for this incident, or None if the checks may go ahead."""
    if incident.closed_at is not None:
        return "The incident is closed."
    if not is_domestic_abuse(incident):
        return (f"RVR is only for domestic abuse incidents; this one is opened as "
                f"{incident.opening_code}.")
    if incident.grade == "immediate":
        return ("The incident is graded immediate: it needs an urgent attendance, so RVR "
                "cannot be offered.")
    if incident.grade not in settings.RVR_ELIGIBLE_GRADES:
        labels = " or ".join(settings.HUB_GRADES[g]["label"].lower()
                             for g in settings.RVR_ELIGIBLE_GRADES if g in settings.HUB_GRADES)
        return f"RVR is only offered to incidents graded {labels}; this one is " \
               f"{incident.grade_label.lower()}."
    return None


def rvr_check_record(*, incident: Incident, answers: dict[str, bool], actor: StaffUser,
                     now: datetime | None = None) -> RvrAssessment:
    """Record each safety-check answer; any "no" decides an in-person response there and then."""
    refusal = rvr_ineligibility(incident)
    if refusal:
        raise RvrRefused(refusal)
    missing = [label for key, label in SAFETY_CHECKS.items() if key not in answers]
    if missing:
        raise RvrRefused("Answer every safety check: " + "; ".join(missing) + ".")
    now = now or timezone.now()
    with transaction.atomic():
        assessment = RvrAssessment.objects.create(
            incident=incident, coordinator=actor, started_at=now,
            answers={key: bool(answers[key]) for key in SAFETY_CHECKS})
        for key, label in SAFETY_CHECKS.items():
            log_append(incident, "rvr.check_answered", {
                "assessment_id": assessment.pk, "check": key, "question": label,
                "answer": "yes" if answers[key] else "no"}, actor=actor)
        failed = [label for key, label in SAFETY_CHECKS.items() if not answers[key]]
        if failed:
            _decide(assessment, RvrAssessment.Decision.IN_PERSON, actor=actor, now=now,
                    reason="Safety check not met: " + "; ".join(failed) + ".")
    _changed(incident)
    return assessment


def _pending_passed_locked(assessment_id: int) -> RvrAssessment:
    """The assessment, locked, if it is still undecided and every safety check passed."""
    assessment = RvrAssessment.objects.select_for_update().select_related("incident").get(
        pk=assessment_id)
    if assessment.decision != RvrAssessment.Decision.PENDING:
        raise RvrRefused("This check is already decided; start a new check if things "
                         "have changed.")
    if not assessment.checks_passed:
        raise RvrRefused("Every safety check must pass before RVR is offered.")
    return assessment


def rvr_consent_record(*, assessment: RvrAssessment, consent: bool, actor: StaffUser,
                       wait_told: bool = False, now: datetime | None = None) -> RvrAssessment:
    """The victim's own choice, asked only once every safety check has passed. With no officer
    available she may choose video only once the coordinator has told her the expected wait
    (`wait_told`); what the coordinator was shown of officers on hand is kept with it."""
    now = now or timezone.now()
    on_hand = officers_on_hand(now=now)
    with transaction.atomic():
        assessment = _pending_passed_locked(assessment.pk)
        refusal = rvr_ineligibility(assessment.incident)
        if refusal:
            raise RvrRefused(refusal)
        refusal = offer_refusal(on_hand, wait_told=wait_told) if consent else None
        if refusal:
            raise RvrRefused(refusal)
        assessment.consent = consent
        assessment.save(update_fields=["consent"])
        offer_note(assessment, on_hand, wait_told=wait_told)
        log_append(assessment.incident, "rvr.consent_recorded", {
            "assessment_id": assessment.pk,
            "consent": "accepted" if consent else "declined",
            **offer_log_data(on_hand, wait_told=wait_told)}, actor=actor)
        if consent:
            _decide(assessment, RvrAssessment.Decision.RVR, actor=actor, now=now,
                    reason="Every safety check passed and the victim chose RVR.")
        else:
            _decide(assessment, RvrAssessment.Decision.IN_PERSON, actor=actor, now=now,
                    reason="The victim chose an in-person response.")
    _changed(assessment.incident)
    return assessment


def rvr_not_offered_record(*, assessment: RvrAssessment, actor: StaffUser,
                           now: datetime | None = None) -> RvrAssessment:
    """Video could not be offered because no officer is available: the usual in-person
    response, counted in the supervisor's figures. Refused while an officer is available."""
    now = now or timezone.now()
    on_hand = officers_on_hand(now=now)
    with transaction.atomic():
        assessment = _pending_passed_locked(assessment.pk)
        if on_hand.available:
            raise RvrRefused("An officer is available: offer the video call, or record the "
                             "victim's choice.")
        offer_note(assessment, on_hand, wait_told=False, no_officer=True)
        log_append(assessment.incident, "rvr.not_offered", {
            "assessment_id": assessment.pk, "why": "no officer available",
            **offer_log_data(on_hand, wait_told=False)}, actor=actor)
        _decide(assessment, RvrAssessment.Decision.IN_PERSON, actor=actor, now=now,
                reason="No RVR officer was available to take a video call.")
    _changed(assessment.incident)
    return assessment


def rvr_assessment_current(incident: Incident) -> RvrAssessment | None:
    return incident.rvr_assessments.order_by("-started_at", "-pk").first()


def _decide(assessment: RvrAssessment, decision: str, *, actor: StaffUser, now: datetime,
            reason: str) -> None:
    assessment.decision, assessment.decision_reason = decision, reason[:300]
    assessment.decided_at = now
    assessment.save(update_fields=["decision", "decision_reason", "decided_at"])
    incident = assessment.incident
    data = {"assessment_id": assessment.pk, "decision": decision, "reason": reason}
    if decision == RvrAssessment.Decision.IN_PERSON:
        # Back in the dispatch queue for attendance, never dropped.
        with incident_refusals():
            incident_flag_add(incident=incident, kind=IN_PERSON_FLAG, actor=actor,
                              reason=reason)
        data["next"] = "in-person response: the incident stays in the dispatch queue"
    log_append(incident, "rvr.decided", data, actor=actor)


def _changed(incident: Incident) -> None:
    live_event_send(
        LiveEvent.RVR_CHANGED, incident_id=incident.pk, person_id=incident.person_id or 0)
