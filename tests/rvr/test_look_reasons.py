"""RVR staff's reasons to open a victim's record without holding anything of hers: a victim
waiting for a video call (officers), and the RVR check a coordinator is doing (that
coordinator only, while it is going on)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from contact_hub.conversations.looks import ReasonNeeded
from contact_hub.incidents.services import incident_close
from contact_hub.staff.models import Role
from rvr.calls import video_call_end, video_check_record
from rvr.connection_check import CheckResult
from rvr.eligibility import rvr_check_record
from rvr.links import video_session_join
from rvr.look_reasons import (
    RVR_CHECK_IN_PROGRESS,
    VIDEO_CALL_WAITING,
    rvr_check_in_progress,
    rvr_reason_required,
    video_call_waiting,
)
from tests.factories import StaffFactory
from tests.rvr.conftest import ALL_YES

pytestmark = pytest.mark.django_db


def _person(incident):
    return incident.person_id


def test_a_victim_in_the_waiting_room_is_a_reason_for_every_rvr_officer(sent, officer,
                                                                        coordinator):
    session, token = sent
    video_session_join(token=token)
    person_id = session.incident.person_id
    assert video_call_waiting(officer, person_id, timezone.now()) is None  # still joining

    video_check_record(session_id=session.pk, result=CheckResult(30.0, 0.0, 800.0, "good"))

    assert video_call_waiting(officer, person_id, timezone.now()) == VIDEO_CALL_WAITING
    assert video_call_waiting(coordinator, person_id, timezone.now()) is None


def test_once_an_officer_takes_the_call_the_others_have_no_reason(in_call_session):
    other = StaffFactory(role=Role.RVR_OFFICER)

    assert video_call_waiting(other, in_call_session.incident.person_id, timezone.now()) is None


def test_the_coordinator_doing_the_check_has_a_reason_while_it_goes_on(incident, coordinator):
    rvr_check_record(incident=incident, answers=ALL_YES, actor=coordinator)

    assert rvr_check_in_progress(coordinator, _person(incident),
                                 timezone.now()) == RVR_CHECK_IN_PROGRESS


def test_another_coordinators_check_is_no_reason(incident, coordinator):
    rvr_check_record(incident=incident, answers=ALL_YES, actor=coordinator)
    other = StaffFactory(role=Role.COORDINATOR)

    assert rvr_check_in_progress(other, _person(incident), timezone.now()) is None


def test_a_check_taken_over_by_another_coordinator_is_theirs_alone(incident, coordinator):
    rvr_check_record(incident=incident, answers=ALL_YES, actor=coordinator)
    other = StaffFactory(role=Role.COORDINATOR)
    rvr_check_record(incident=incident, answers=ALL_YES, actor=other)

    assert rvr_check_in_progress(coordinator, _person(incident), timezone.now()) is None
    assert rvr_check_in_progress(other, _person(incident), timezone.now()) == (
        RVR_CHECK_IN_PROGRESS)


def test_the_check_goes_on_through_the_link_and_the_call(in_call_session, coordinator):
    assert rvr_check_in_progress(coordinator, in_call_session.incident.person_id,
                                 timezone.now()) == RVR_CHECK_IN_PROGRESS


def test_the_check_is_over_when_the_call_ends(in_call_session, coordinator):
    video_call_end(session_id=in_call_session.pk, by="victim")

    assert rvr_check_in_progress(coordinator, in_call_session.incident.person_id,
                                 timezone.now()) is None


def test_the_check_is_over_when_it_decides_an_in_person_response(incident, coordinator):
    rvr_check_record(incident=incident, answers=ALL_YES | {"offender_absent": False},
                     actor=coordinator)

    assert rvr_check_in_progress(coordinator, _person(incident), timezone.now()) is None


def test_the_check_is_over_when_the_incident_closes(assessment, coordinator, supervisor):
    incident_close(incident=assessment.incident, reason="attended in person", actor=supervisor)

    assert rvr_check_in_progress(coordinator, _person(assessment.incident),
                                 timezone.now()) is None


def test_an_officer_never_has_the_coordinators_reason(incident, coordinator, officer):
    rvr_check_record(incident=incident, answers=ALL_YES, actor=coordinator)

    assert rvr_check_in_progress(officer, _person(incident), timezone.now()) is None


def test_a_change_needs_a_reason(incident, officer):
    with pytest.raises(ReasonNeeded) as needed:
        rvr_reason_required(officer, incident.person_id)

    assert needed.value.person_id == incident.person_id
    assert rvr_reason_required(officer, None) is None
