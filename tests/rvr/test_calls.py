"""The call: accepting, evidence stills, ending, and the outcome written to the incident."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from contact_hub.conversations.looks import ReasonNeeded, look_basis
from contact_hub.incidents.escalation import escalations_sweep
from contact_hub.incidents.log import log_verify
from contact_hub.incidents.models import Incident
from contact_hub.incidents.services import incident_close
from contact_hub.staff.assignments import follow_up_period
from contact_hub.staff.models import Assignment, Role
from rvr.calls import (
    evidence_still_record,
    outcome_record,
    video_call_end,
    video_callback_request,
    video_check_record,
    video_session_accept,
)
from rvr.connection_check import CheckResult
from rvr.eligibility import RvrRefused
from rvr.links import video_session_join
from rvr.models import VideoSession
from rvr.risk_assessment import risk_assessment_record
from tests.factories import StaffFactory
from tests.rvr.conftest import log_kinds

pytestmark = pytest.mark.django_db
JPEG = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF" + b"\x01" * 200


def test_accepting_assigns_the_incident_and_records_the_officer(in_call_session, officer):
    incident = Incident.objects.get(pk=in_call_session.incident_id)

    assert in_call_session.status == VideoSession.Status.IN_CALL
    assert in_call_session.officer_connected_at is not None
    assert (incident.assigned_to, incident.status) == (officer, Incident.Status.ASSIGNED)
    assert incident.log.get(kind="video.officer_accepted").data["officer"] == officer.username


def test_a_call_waiting_on_a_closed_incident_cannot_be_accepted(sent, officer, supervisor):
    session, token = sent
    video_session_join(token=token)
    video_check_record(session_id=session.pk, result=CheckResult(30.0, 0.0, 800.0, "good"))
    incident_close(incident=session.incident, reason="attended in person", actor=supervisor)

    with pytest.raises(RvrRefused, match="closed"):
        video_session_accept(session=session, officer=officer)

    session.refresh_from_db()
    assert session.status == VideoSession.Status.WAITING and session.officer is None
    assert not session.incident.log.filter(kind="video.officer_accepted").exists()


def test_a_second_officer_cannot_take_the_same_victim(in_call_session):
    other = StaffFactory(role=Role.RVR_OFFICER)

    with pytest.raises(RvrRefused, match="no longer waiting"):
        video_session_accept(session=in_call_session, officer=other)


def test_a_still_is_stored_with_its_sha256_in_the_log(in_call_session, officer):
    still = evidence_still_record(session=in_call_session, officer=officer, image=JPEG)

    digest = hashlib.sha256(JPEG).hexdigest()
    assert (still.sha256, bytes(still.image), still.content_type) == (digest, JPEG,
                                                                      "image/jpeg")
    entry = in_call_session.incident.log.get(kind="evidence.still_captured")
    assert entry.data["sha256"] == digest and entry.data["evidence_id"] == still.pk


def test_anything_but_an_image_is_refused_as_a_still(in_call_session, officer):
    with pytest.raises(RvrRefused, match="JPEG or PNG"):
        evidence_still_record(session=in_call_session, officer=officer, image=b"<html>")


def test_only_the_officer_on_the_call_can_add_evidence(in_call_session):
    other = StaffFactory(role=Role.RVR_OFFICER)

    with pytest.raises(RvrRefused, match="officer who took this call"):
        evidence_still_record(session=in_call_session, officer=other, image=JPEG)


def test_resolving_by_video_needs_the_risk_assessment(in_call_session, officer):
    with pytest.raises(RvrRefused, match="risk assessment"):
        outcome_record(session=in_call_session, officer=officer, outcome="resolved")


def test_resolved_by_video_closes_the_incident(in_call_session, officer):
    risk_assessment_record(session=in_call_session, officer=officer,
                           answers={str(n): "no" for n in range(1, 25)})

    outcome_record(session=in_call_session, officer=officer, outcome="resolved")

    incident = Incident.objects.get(pk=in_call_session.incident_id)
    assert incident.closed_at is not None
    assert log_kinds(incident)[-3:] == ["video.call_ended", "video.outcome_recorded",
                                        "incident.closed"]
    assert log_verify(incident) is None


def test_attendance_needed_goes_back_to_the_dispatch_queue_with_a_countdown(in_call_session,
                                                                            officer):
    session = outcome_record(session=in_call_session, officer=officer, outcome="attendance",
                             reason="Injuries need photographing in person")

    incident = Incident.objects.get(pk=session.incident_id)
    assert incident.closed_at is None and incident.assigned_to is None
    assert incident.status == Incident.Status.OPEN and "attendance_needed" in incident.flags
    assert incident.target_at - session.outcome_at == timedelta(minutes=60)
    requeued = incident.log.get(kind="incident.requeued")
    assert requeued.data["reason"] == "Injuries need photographing in person"


def test_attendance_needed_is_flagged_and_requeued_by_the_incident_log(in_call_session,
                                                                      officer):
    outcome_record(session=in_call_session, officer=officer, outcome="attendance",
                   reason="Injuries need photographing in person")

    incident = Incident.objects.get(pk=in_call_session.incident_id)
    assert log_kinds(incident)[-3:] == ["video.outcome_recorded", "flag.added",
                                        "incident.requeued"]
    flagged = incident.log.get(kind="flag.added", data__flag="attendance_needed")
    assert flagged.actor == officer
    assert log_verify(incident) is None


def test_attendance_needed_escalates_against_the_new_target_only(in_call_session, officer):
    """Sent back to dispatch after the call: the old countdown's points never fire, and the new
    one's fire at their moments."""
    old_target = in_call_session.incident.target_at
    escalations_sweep(now=old_target - timedelta(minutes=30))
    requeued_at = old_target - timedelta(minutes=20)
    outcome_record(session=in_call_session, officer=officer, outcome="attendance",
                   reason="Injuries need photographing in person", now=requeued_at)
    new_target = requeued_at + timedelta(minutes=60)

    assert escalations_sweep(now=old_target) == []
    assert escalations_sweep(now=new_target - timedelta(minutes=30, seconds=1)) == []
    escalations_sweep(now=new_target - timedelta(minutes=30))
    escalations_sweep(now=new_target)

    incident = Incident.objects.get(pk=in_call_session.incident_id)
    assert list(incident.escalation_timers.filter(fired_at__isnull=False)
                .order_by("fired_at").values_list("point", "target_at")) == [
        ("50%", old_target), ("50%", new_target), ("100%", new_target)]


def test_attendance_needed_needs_a_reason(in_call_session, officer):
    with pytest.raises(RvrRefused, match="Say why"):
        outcome_record(session=in_call_session, officer=officer, outcome="attendance")


def test_referred_elsewhere_closes_the_incident_with_where(in_call_session, officer):
    outcome_record(session=in_call_session, officer=officer, outcome="referred",
                   reason="Local IDVA service")

    incident = Incident.objects.get(pk=in_call_session.incident_id)
    assert "Local IDVA service" in incident.log.get(kind="incident.closed").data["reason"]


def test_the_outcome_is_recorded_once(in_call_session, officer):
    outcome_record(session=in_call_session, officer=officer, outcome="referred",
                   reason="Local IDVA service")

    with pytest.raises(RvrRefused, match="already recorded"):
        outcome_record(session=in_call_session, officer=officer, outcome="referred",
                       reason="Again")


def test_ending_twice_is_harmless(in_call_session):
    video_call_end(session_id=in_call_session.pk, by="victim")
    video_call_end(session_id=in_call_session.pk, by="officer")

    assert log_kinds(in_call_session.incident).count("video.call_ended") == 1


def test_a_victim_who_asks_for_a_call_back_is_flagged_for_one(in_call_session):
    video_callback_request(session_id=in_call_session.pk)

    incident = Incident.objects.get(pk=in_call_session.incident_id)
    assert "callback_requested" in incident.flags and incident.closed_at is None
    assert "video.callback_requested" in log_kinds(incident)
    assert incident.log.get(kind="flag.added").data["flag"] == "callback_requested"


def test_a_call_back_asked_for_on_a_closed_incident_is_logged_and_the_call_ends(
        in_call_session, supervisor):
    incident_close(incident=in_call_session.incident, reason="attended in person",
                   actor=supervisor)

    video_callback_request(session_id=in_call_session.pk)

    incident = Incident.objects.get(pk=in_call_session.incident_id)
    assert "callback_requested" not in incident.flags
    assert log_kinds(incident)[-2:] == ["video.callback_requested", "video.call_ended"]


# Taking the call is the officer's reason to open the victim's record: it ends with the
# outcome (after the follow-up period), or at once when the call ends without one.

def _video_assignment(session: VideoSession) -> Assignment:
    return Assignment.objects.get(kind=Assignment.Kind.VIDEO, subject=f"video:{session.pk}")


def test_accepting_the_call_starts_the_officers_assignment(in_call_session, officer):
    assignment = _video_assignment(in_call_session)

    assert (assignment.staff, assignment.person_id, assignment.why) == (
        officer, in_call_session.incident.person_id, "taking the video call")
    assert (assignment.started_at, assignment.ends_at) == (
        in_call_session.officer_connected_at, None)


def test_the_outcome_ends_the_assignment_after_the_follow_up_period(in_call_session, officer):
    session = outcome_record(session=in_call_session, officer=officer, outcome="attendance",
                             reason="Injuries need photographing in person")

    assignment = _video_assignment(session)
    assert assignment.ends_at == session.outcome_at + follow_up_period()
    # Back in the dispatch queue, the incident is no longer the officer's: the call is why
    # they may still look.
    basis = look_basis(officer, session.incident.person_id)
    assert basis.why == f"Taking the video call (video:{session.pk})"


def test_a_call_that_ends_without_an_outcome_ends_the_assignment_at_once(in_call_session):
    session = video_call_end(session_id=in_call_session.pk, by="victim")

    assert _video_assignment(session).ends_at == session.ended_at


def test_the_officer_writes_the_outcome_after_the_victim_hung_up_and_keeps_the_follow_up(
        in_call_session, officer):
    video_call_end(session_id=in_call_session.pk, by="victim")

    session = outcome_record(session=in_call_session, officer=officer, outcome="referred",
                             reason="Local IDVA service")

    current = Assignment.objects.get(kind=Assignment.Kind.VIDEO, subject=f"video:{session.pk}",
                                     ends_at__gt=session.outcome_at)
    assert current.ends_at == session.outcome_at + follow_up_period()


def test_an_officer_whose_reason_has_lapsed_cannot_add_to_the_record(in_call_session, officer):
    session = outcome_record(session=in_call_session, officer=officer, outcome="referred",
                             reason="Local IDVA service")
    # The follow-up period is over.
    Assignment.objects.filter(staff=officer).update(ends_at=timezone.now())

    with pytest.raises(ReasonNeeded):
        evidence_still_record(session=session, officer=officer, image=JPEG)

    assert not session.stills.exists()
