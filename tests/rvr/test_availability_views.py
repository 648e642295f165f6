"""Officers on hand on the pages: the console's availability, the check's counts and wait, the
offer with no officer available, and every refusal with its security event."""

from __future__ import annotations

import pytest
from django.test import Client

from contact_hub.staff.models import SecurityEvent
from rvr.availability import availability_of, availability_set
from rvr.eligibility import rvr_check_record
from rvr.models import RvrAssessment
from tests.rvr.conftest import ALL_YES

pytestmark = pytest.mark.django_db


@pytest.fixture
def checked(incident, coordinator) -> RvrAssessment:
    return rvr_check_record(incident=incident, answers=ALL_YES, actor=coordinator)


def test_an_officer_sets_themselves_available_on_the_console(officer, staff_client):
    client = staff_client(officer)

    response = client.post("/rvr/availability/set/", {"status": "available"}, follow=True)

    assert availability_of(officer).status == "available"
    assert b"You are available." in response.content
    assert b'data-my-availability>available<' in client.get("/rvr/").content


def test_an_unknown_availability_is_refused_with_a_security_event(officer, staff_client):
    response = staff_client(officer).post("/rvr/availability/set/", {"status": "asleep"},
                                          follow=True)

    assert b"Choose available, busy or off." in response.content
    assert availability_of(officer).status == "off"
    assert SecurityEvent.objects.get().kind == "rvr_availability_refused"


def test_a_coordinator_cannot_set_an_officers_availability(coordinator, staff_client):
    response = staff_client(coordinator).post("/rvr/availability/set/", {"status": "available"})

    assert response.status_code == 403
    assert SecurityEvent.objects.get().kind == "wrong_role"


def test_the_check_shows_the_officers_on_hand_and_asks_for_the_wait_when_none_is(
        checked, coordinator, staff_client):
    page = staff_client(coordinator).get(f"/rvr/incidents/{checked.incident.reference}/check/")

    assert b"Officers on hand" in page.content
    assert b"data-officers-available>0<" in page.content
    assert b"I told the victim the expected wait (not known)" in page.content
    assert b"Video cannot be offered: no officer available" in page.content


def test_with_an_officer_available_the_check_asks_nothing_more(checked, coordinator, officer,
                                                               staff_client):
    availability_set(officer=officer, status="available")

    page = staff_client(coordinator).get(f"/rvr/incidents/{checked.incident.reference}/check/")

    assert b"data-officers-available>1<" in page.content
    assert b"none, an officer can take the call now" in page.content
    assert b"I told the victim the expected wait" not in page.content


def test_choosing_video_without_the_wait_told_is_refused_clearly(checked, coordinator,
                                                                 staff_client):
    response = staff_client(coordinator).post(f"/rvr/checks/{checked.pk}/consent/",
                                              {"consent": "yes"}, follow=True)

    assert b"No officer is available now" in response.content
    checked.refresh_from_db()
    assert checked.decision == RvrAssessment.Decision.PENDING
    assert SecurityEvent.objects.get().kind == "rvr_consent_refused"


def test_choosing_video_with_the_wait_told_is_recorded(checked, coordinator, staff_client):
    staff_client(coordinator).post(f"/rvr/checks/{checked.pk}/consent/",
                                   {"consent": "yes", "wait_told": "yes"})

    checked.refresh_from_db()
    assert (checked.decision, checked.wait_told, checked.officers_available) == (
        RvrAssessment.Decision.RVR, True, 0)


def test_not_offering_while_an_officer_is_available_is_refused(checked, coordinator, officer,
                                                               staff_client):
    availability_set(officer=officer, status="available")

    response = staff_client(coordinator).post(f"/rvr/checks/{checked.pk}/not-offered/",
                                              follow=True)

    assert b"An officer is available" in response.content
    checked.refresh_from_db()
    assert (checked.decision, checked.no_officer) == (RvrAssessment.Decision.PENDING, False)
    assert SecurityEvent.objects.get().kind == "rvr_not_offered_refused"


def test_the_check_region_is_only_for_coordinators(officer, staff_client):
    assert staff_client(officer).get("/rvr/on-hand/").status_code == 403


def test_the_figures_show_video_not_offered_for_want_of_an_officer(checked, coordinator,
                                                                   supervisor, staff_client):
    staff_client(coordinator).post(f"/rvr/checks/{checked.pk}/not-offered/")

    page = staff_client(supervisor).get("/rvr/figures/")

    assert b"data-not-offered>100.0%<" in page.content
    assert b"(1 of 1)" in page.content


def test_the_join_answer_carries_the_waiting_rooms_neutral_estimate(sent, officer):
    _, token = sent
    availability_set(officer=officer, status="available")

    answer = Client().post(f"/v/{token}/join/").json()

    assert answer["wait_words"] == "Usually within 5 minutes."
