"""The faster connect's server side: the console's ICE settings before any call, and Accept
answering the console that made the connection ready (officer_connect.js) without a redirect."""

from __future__ import annotations

import pytest

from contact_hub.staff.models import SecurityEvent
from rvr.calls import video_check_record
from rvr.connection_check import CheckResult
from rvr.links import video_session_join
from rvr.models import VideoSession
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db
PREPARED = {"HTTP_X_RVR_PREPARED": "1"}


@pytest.fixture
def waiting_session(sent) -> VideoSession:
    session, token = sent
    video_session_join(token=token)
    return video_check_record(session_id=session.pk, result=CheckResult(30.0, 0.0, 800.0, "good"))


def test_the_console_gets_turn_credentials_named_for_the_officer(officer, staff_client, settings):
    settings.TURN_URLS, settings.TURN_SECRET = ["turn:turn.example.org:3478"], "s3cret"

    data = staff_client(officer).get("/rvr/connect/").json()

    turn = data["ice_servers"][-1]
    assert turn["urls"] == ["turn:turn.example.org:3478"]
    assert turn["username"].endswith(f":officer-{officer.pk}") and turn["credential"]
    assert data["renew_seconds"] == settings.TURN_CREDENTIAL_SECONDS // 2


def test_a_coordinator_gets_no_connection_settings(coordinator, staff_client):
    response = staff_client(coordinator).get("/rvr/connect/")

    assert response.status_code == 403
    assert SecurityEvent.objects.filter(kind="wrong_role").exists()


def test_accept_tells_the_prepared_console_where_the_call_is(waiting_session, officer,
                                                            staff_client):
    response = staff_client(officer).post(f"/rvr/sessions/{waiting_session.pk}/accept/",
                                          **PREPARED)

    assert response.json() == {"call": f"/rvr/sessions/{waiting_session.pk}/call/",
                               "socket": f"/ws/rvr/{waiting_session.pk}/officer/"}
    waiting_session.refresh_from_db()
    assert waiting_session.status == VideoSession.Status.IN_CALL
    assert waiting_session.officer == officer


def test_accept_without_the_console_still_redirects(waiting_session, officer, staff_client):
    response = staff_client(officer).post(f"/rvr/sessions/{waiting_session.pk}/accept/")

    assert response.status_code == 302
    assert response.url == f"/rvr/sessions/{waiting_session.pk}/call/"


def test_a_call_already_taken_is_refused_to_the_prepared_console(waiting_session, officer,
                                                                 staff_client):
    staff_client(officer).post(f"/rvr/sessions/{waiting_session.pk}/accept/", **PREPARED)
    other = StaffFactory(role=officer.role)

    response = staff_client(other).post(f"/rvr/sessions/{waiting_session.pk}/accept/",
                                        **PREPARED)

    assert response.status_code == 409
    assert "no longer waiting" in response.json()["error"]
    waiting_session.refresh_from_db()
    assert waiting_session.officer == officer
