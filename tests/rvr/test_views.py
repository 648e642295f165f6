"""The staff pages: the coordinator's check and link, the officer's console and call, figures."""

from __future__ import annotations

import pytest

from contact_hub.conversations.sending import MemoryBackend
from contact_hub.staff.models import AccessEvent, Role, SecurityEvent
from rvr.models import EvidenceStill, RvrAssessment, VideoSession
from tests.factories import StaffFactory
from tests.rvr.conftest import da_incident

pytestmark = pytest.mark.django_db
YES = {"safe_place": "yes", "offender_absent": "yes", "no_crisis": "yes", "talk_freely": "yes",
       "device": "yes"}


def test_an_immediate_grade_shows_the_refusal_reason(coordinator, staff_client):
    incident = da_incident(coordinator, grade="immediate")

    response = staff_client(coordinator).get(f"/rvr/incidents/{incident.reference}/check/")

    assert b"RVR cannot be offered" in response.content
    assert b"urgent attendance" in response.content
    assert b"Record the safety check" not in response.content


def test_the_coordinator_walks_the_check_consent_and_link(
        incident, coordinator, staff_client, django_capture_on_commit_callbacks):
    client = staff_client(coordinator)
    check_url = f"/rvr/incidents/{incident.reference}/check/"

    client.post(check_url, YES)
    assessment = RvrAssessment.objects.get()
    assert b"Victim chooses a video call" in client.get(check_url).content
    client.post(f"/rvr/checks/{assessment.pk}/consent/", {"consent": "yes", "wait_told": "yes"})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/rvr/checks/{assessment.pk}/send/", {"channel": "sms"},
                               follow=True)

    assert b"Link sent by sms" in response.content
    assert len(MemoryBackend.sent) == 1 and VideoSession.objects.count() == 1
    assert AccessEvent.objects.filter(actor=coordinator, what__startswith="video link").exists()


def test_a_failed_check_is_shown_as_an_in_person_response(incident, coordinator, staff_client):
    client = staff_client(coordinator)
    check_url = f"/rvr/incidents/{incident.reference}/check/"

    client.post(check_url, YES | {"no_crisis": "no"})

    content = client.get(check_url).content
    assert b"in-person response" in content and b"mental-health crisis" in content


def test_an_officer_cannot_run_the_check(incident, officer, staff_client):
    response = staff_client(officer).post(f"/rvr/incidents/{incident.reference}/check/", YES)

    assert response.status_code == 403
    assert SecurityEvent.objects.filter(kind="wrong_role").exists()


def test_the_console_lists_waiting_victims_with_their_check(in_call_session, officer,
                                                            staff_client):
    VideoSession.objects.filter(pk=in_call_session.pk).update(status="waiting", officer=None)

    content = staff_client(officer).get("/rvr/waiting/").content.decode()

    assert in_call_session.incident.reference in content
    assert "Good for video" in content and "RTT 30.0 ms" in content
    assert "Accept" in content


def test_an_officer_not_assigned_cannot_open_the_call(in_call_session, staff_client):
    other = StaffFactory(role=Role.RVR_OFFICER)

    response = staff_client(other).get(f"/rvr/sessions/{in_call_session.pk}/call/")

    assert response.status_code == 403
    assert SecurityEvent.objects.filter(kind="video_officer_not_assigned").exists()


def test_the_assigned_officer_sees_the_call_and_the_view_is_recorded(in_call_session, officer,
                                                                     staff_client):
    response = staff_client(officer).get(f"/rvr/sessions/{in_call_session.pk}/call/")

    assert response.status_code == 200
    assert b"Risk assessment (DASH)" in response.content
    # The threshold the page states is the one the score uses (rvr.risk_assessment).
    assert b'14 or more "yes" is high risk' in response.content
    assert AccessEvent.objects.filter(actor=officer, what__startswith="video call").exists()


def test_the_officer_saves_the_dash_without_leaving_the_call(in_call_session, officer,
                                                             staff_client):
    answers = {f"q{n}": "yes" for n in range(1, 25)}

    response = staff_client(officer).post(f"/rvr/sessions/{in_call_session.pk}/dash/",
                                          answers)

    assert response.json() == {
        "form": "dash", "form_version": "1", "score": 24, "level": "High",
        "marac_referral": True,
        "summary": "Saved: 24 yes · High risk · MARAC referral needed: make the referral."}


def test_a_still_is_posted_as_the_image_body(in_call_session, officer, staff_client):
    jpeg = b"\xff\xd8\xff\xe0" + b"\x00" * 100

    response = staff_client(officer).post(f"/rvr/sessions/{in_call_session.pk}/stills/",
                                          jpeg, content_type="image/jpeg")

    assert response.status_code == 200
    still = EvidenceStill.objects.get(session=in_call_session)
    assert (bytes(still.image), still.content_type, still.sha256, still.captured_by) == (
        jpeg, "image/jpeg", response.json()["sha256"], officer)


def test_a_captured_still_is_shown_inline_as_a_sandboxed_image(in_call_session, officer,
                                                               staff_client):
    client = staff_client(officer)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
    still = client.post(f"/rvr/sessions/{in_call_session.pk}/stills/", png,
                        content_type="image/png").json()

    response = client.get(f"/rvr/stills/{still['evidence_id']}/")

    assert response.content == png and response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == f'inline; filename="still-{still["evidence_id"]}.png"'
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_supervisor_sees_the_figures(in_call_session, supervisor, staff_client):
    content = staff_client(supervisor).get("/rvr/figures/").content.decode()

    assert "Contact to officer" in content and "100.0%" in content
