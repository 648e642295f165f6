"""The call: accepting, evidence stills, ending, and the outcome written to the incident."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest

from contact_hub.incidents.log import log_verify
from contact_hub.incidents.models import Incident
from contact_hub.staff.models import Role
from rvr.calls import (
    evidence_still_record,
    outcome_record,
    video_call_end,
    video_callback_request,
    video_session_accept,
)
from rvr.dash import risk_assessment_record
from rvr.eligibility import RvrRefused
from rvr.models import VideoSession
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
