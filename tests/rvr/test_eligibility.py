"""RVR eligibility: only domestic abuse graded priority or appointment; every answer logged; a
failed check or a declined offer goes to an in-person response, never to none."""

from __future__ import annotations

import pytest

from contact_hub.incidents.log import log_verify
from rvr.eligibility import RvrRefused, rvr_check_record, rvr_consent_record, rvr_ineligibility
from rvr.models import SAFETY_CHECKS, RvrAssessment
from tests.rvr.conftest import ALL_YES, da_incident, log_kinds

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("grade", ["priority", "appointment"])
def test_domestic_abuse_graded_priority_or_appointment_is_eligible(coordinator, grade):
    assert rvr_ineligibility(da_incident(coordinator, grade=grade)) is None


def test_an_immediate_grade_is_refused_with_the_reason(coordinator):
    incident = da_incident(coordinator, grade="immediate")

    with pytest.raises(RvrRefused, match="immediate: it needs an urgent attendance"):
        rvr_check_record(incident=incident, answers=ALL_YES, actor=coordinator)
    assert not RvrAssessment.objects.exists()


def test_a_standard_grade_is_refused(coordinator):
    assert "priority or appointment" in rvr_ineligibility(da_incident(coordinator,
                                                                      grade="standard"))


def test_an_incident_that_is_not_domestic_abuse_is_refused(coordinator):
    assert "only for domestic abuse" in rvr_ineligibility(
        da_incident(coordinator, code="CRIME"))


def test_every_domestic_code_in_the_force_file_is_eligible(coordinator):
    assert rvr_ineligibility(da_incident(coordinator, code="stalking")) is None


def test_every_answer_goes_to_the_incident_log(incident, coordinator):
    rvr_check_record(incident=incident, answers=ALL_YES, actor=coordinator)

    answers = incident.log.filter(kind="rvr.check_answered").order_by("seq")
    assert [e.data["check"] for e in answers] == list(SAFETY_CHECKS)
    assert {e.data["answer"] for e in answers} == {"yes"}
    assert log_verify(incident) is None


def test_a_failed_check_decides_an_in_person_response(incident, coordinator):
    answers = ALL_YES | {"offender_absent": False}

    assessment = rvr_check_record(incident=incident, answers=answers, actor=coordinator)

    assert assessment.decision == RvrAssessment.Decision.IN_PERSON
    assert "offender is absent" in assessment.decision_reason
    incident.refresh_from_db()
    assert incident.closed_at is None and "in_person_response" in incident.flags
    decided = incident.log.get(kind="rvr.decided")
    assert decided.data["decision"] == "in_person"
    assert "dispatch queue" in decided.data["next"]


def test_the_in_person_flag_is_added_by_the_incident_with_the_reason(incident, coordinator):
    rvr_check_record(incident=incident, answers=ALL_YES | {"offender_absent": False},
                     actor=coordinator)

    flagged = incident.log.get(kind="flag.added")
    assert flagged.data["flag"] == "in_person_response"
    assert "offender is absent" in flagged.data["reason"]
    assert flagged.actor == coordinator
    assert log_verify(incident) is None


def test_every_check_must_be_answered(incident, coordinator):
    with pytest.raises(RvrRefused, match="Answer every safety check"):
        rvr_check_record(incident=incident, answers={"safe_place": True}, actor=coordinator)


def test_consent_decides_rvr(incident, coordinator):
    checked = rvr_check_record(incident=incident, answers=ALL_YES, actor=coordinator)

    decided = rvr_consent_record(assessment=checked, consent=True, actor=coordinator,
                                 wait_told=True)

    assert decided.decision == RvrAssessment.Decision.RVR
    assert log_kinds(incident)[-2:] == ["rvr.consent_recorded", "rvr.decided"]


def test_declined_consent_goes_to_an_in_person_response(incident, coordinator):
    checked = rvr_check_record(incident=incident, answers=ALL_YES, actor=coordinator)

    decided = rvr_consent_record(assessment=checked, consent=False, actor=coordinator)

    assert decided.decision == RvrAssessment.Decision.IN_PERSON
    assert incident.log.get(kind="rvr.consent_recorded").data["consent"] == "declined"
    incident.refresh_from_db()
    assert "in_person_response" in incident.flags and incident.closed_at is None


def test_consent_is_not_asked_after_a_failed_check(incident, coordinator):
    failed = rvr_check_record(incident=incident, answers=ALL_YES | {"device": False},
                              actor=coordinator)

    with pytest.raises(RvrRefused, match="already decided"):
        rvr_consent_record(assessment=failed, consent=True, actor=coordinator)
