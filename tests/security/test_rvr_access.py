"""The insider on the RVR pages: coordinators, officers, supervisors and professional standards
see a victim's check, call, stills and panel only with a reason their work gives (holding the
incident, doing its RVR check, taking the call, her waiting for one), and every look is in the
access log with it. With none, the page asks why before anything is shown, a change posted
is not made, and once a reason is given the look is flagged and reaches professional
standards at once. The waiting list is one access event naming the victims it shows; sending
a link to a victim after one's work with her ended is flagged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from contact_hub.conversations.conduct import CONTACT_AFTER_ASSIGNMENT
from contact_hub.conversations.looks import break_glass_open
from contact_hub.incidents.models import Incident
from contact_hub.staff.assignments import assignments_end
from contact_hub.staff.models import (
    AccessEvent,
    AccessEventPerson,
    Assignment,
    Role,
    SecurityEvent,
)
from contact_hub.triage.services import contact_grade
from rvr.calls import (
    evidence_still_record,
    outcome_record,
    video_call_end,
    video_check_record,
    video_session_accept,
)
from rvr.connection_check import CheckResult
from rvr.links import video_session_join
from rvr.models import RvrAssessment, VideoSession
from rvr.recording import recording_chunk_store, recording_consent_record
from rvr.uploads import victim_upload_record
from tests.factories import StaffFactory, assigned, received_message
from tests.rvr.conftest import da_incident, log_kinds, named_in_her_incident, sent_token
from tests.rvr.recording_chunks import upload
from tests.rvr.share_files import screenshot_png

pytestmark = pytest.mark.django_db
REASON = "Reviewing the call after a complaint from the victim"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
YES = dict.fromkeys(["safe_place", "offender_absent", "no_crisis", "talk_freely", "device"],
                    "yes")


@pytest.fixture
def incident(coordinator) -> Incident:
    """A domestic abuse text graded into an incident from the queue, as a coordinator does:
    the contact is dealt with, so the triage queue gives nobody a reason to open her record
    (the RVR fixtures' assessment, link and call build on this one)."""
    message = received_message(text="He's gone out, I need to talk to someone")
    return contact_grade(message=message, opening_code="DOMESTIC", grade="priority",
                         thrive={}, actor=coordinator)



def _waiting(session: VideoSession) -> VideoSession:
    video_session_join(token=sent_token())
    return video_check_record(session_id=session.pk,
                              result=CheckResult(30.0, 0.0, 800.0, "good"))


def _look(actor, what: str) -> AccessEvent:
    return AccessEvent.objects.get(actor=actor, what=what)


# Officers.

def test_the_officer_on_the_call_opens_it_with_their_work_as_the_reason(in_call_session,
                                                                       officer, staff_client):
    response = staff_client(officer).get(f"/rvr/sessions/{in_call_session.pk}/call/")

    assert response.status_code == 200
    look = _look(officer, f"video call {in_call_session.pk}")
    assert not look.flagged
    assert look.why in (f"Taking the video call (video:{in_call_session.pk})",
                        f"Holding the incident (incident:{in_call_session.incident.reference})")


def test_after_the_outcome_the_call_is_the_officers_reason_for_the_follow_up(
        in_call_session, officer, staff_client):
    outcome_record(session=in_call_session, officer=officer, outcome="attendance",
                   reason="Injuries need photographing in person")

    response = staff_client(officer).get(f"/rvr/sessions/{in_call_session.pk}/call/")

    assert response.status_code == 200
    look = _look(officer, f"video call {in_call_session.pk}")
    assert (look.why, look.flagged) == (f"Taking the video call (video:{in_call_session.pk})",
                                        False)


def test_another_officers_still_is_answered_as_no_still_and_recorded(
        in_call_session, officer, staff_client):
    """An RVR officer sees the evidence of their own calls only, reason or not: the answer is
    the one for a still that does not exist, so it tells nothing."""
    still = evidence_still_record(session=in_call_session, officer=officer, image=PNG)
    other = StaffFactory(role=Role.RVR_OFFICER)
    client = staff_client(other)
    break_glass_open(actor=other, person_id=in_call_session.incident.person_id,
                     reason=REASON, what="person")

    refused = client.get(f"/rvr/stills/{still.pk}/")
    missing = client.get("/rvr/stills/999999/")

    assert refused.status_code == missing.status_code == 404
    assert refused.content == missing.content and PNG not in refused.content
    assert SecurityEvent.objects.filter(kind="video_still_not_officer", actor=other).count() == 1
    assert not AccessEvent.objects.filter(actor=other, what=f"evidence still {still.pk}").exists()


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.PROFESSIONAL_STANDARDS])
def test_a_still_with_no_reason_asks_why_first_then_is_flagged_and_reported(
        role, in_call_session, officer, staff_client, conduct_events,
        django_capture_on_commit_callbacks):
    still = evidence_still_record(session=in_call_session, officer=officer, image=PNG)
    outcome_record(session=in_call_session, officer=officer, outcome="referred",
                   reason="Local IDVA service")  # the incident closes: no one supervises it
    person_id = in_call_session.incident.person_id
    reader = StaffFactory(role=role)
    client = staff_client(reader)
    page = f"/rvr/stills/{still.pk}/"

    asked = client.get(page)

    assert asked.status_code == 403
    assert asked["Content-Type"].startswith("text/html") and PNG not in asked.content
    assert f'action="/people/{person_id}/look/"' in asked.content.decode()
    assert not AccessEvent.objects.filter(actor=reader).exists()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/people/{person_id}/look/", {"reason": REASON, "next": page})
        opened = client.get(page)

    assert opened.content == PNG
    look = _look(reader, f"evidence still {still.pk}")
    assert (look.why, look.flagged, look.person_id) == (REASON, True, person_id)
    assert {"type": "live.event", "kind": "look.flagged",
            "access_event_id": look.pk} in conduct_events()


def test_the_waiting_list_is_one_access_event_naming_the_victims_waiting(
        sent, officer, supervisor, staff_client):
    session, _ = sent
    _waiting(session)
    da_incident(StaffFactory(role=Role.COORDINATOR))  # no link sent: not on the list

    for reader, url in ((officer, "/rvr/"), (officer, "/rvr/waiting/"),
                        (supervisor, "/rvr/waiting/")):
        response = staff_client(reader).get(url)

        assert response.status_code == 200 and session.incident.reference in (
            response.content.decode())
        event = AccessEvent.objects.filter(actor=reader).latest("at")
        assert (event.what, event.why, event.person_id, event.flagged) == (
            "video waiting list", "video call waiting", None, False)
        assert list(AccessEventPerson.objects.filter(event=event)
                    .values_list("person_id", flat=True)) == [session.incident.person_id]
    assert AccessEvent.objects.filter(what="video waiting list").count() == 3


def test_an_empty_waiting_list_records_nothing(officer, staff_client):
    assert staff_client(officer).get("/rvr/waiting/").status_code == 200
    assert not AccessEvent.objects.exists()


def test_the_figures_show_no_victims_data_and_record_no_look(in_call_session, supervisor,
                                                             staff_client):
    content = staff_client(supervisor).get("/rvr/figures/").content.decode()

    assert "Contact to officer" in content
    assert not AccessEvent.objects.filter(actor=supervisor).exists()


# Coordinators.

@pytest.fixture
def checker(incident, staff_client, django_capture_on_commit_callbacks):
    """A coordinator who does the RVR check of an incident someone else opened, through the
    pages, up to the officer taking the call."""
    coordinator = StaffFactory(role=Role.COORDINATOR)
    client = staff_client(coordinator)
    client.post(f"/rvr/incidents/{incident.reference}/check/", YES)
    assessment = RvrAssessment.objects.get(incident=incident)
    client.post(f"/rvr/checks/{assessment.pk}/consent/", {"consent": "yes", "wait_told": "yes"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/rvr/checks/{assessment.pk}/send/", {"channel": "sms"})
    session = _waiting(VideoSession.objects.get(assessment=assessment))
    video_session_accept(session=session, officer=StaffFactory(role=Role.RVR_OFFICER))
    return coordinator, client, session


def test_the_coordinator_doing_the_check_opens_it_with_that_reason(checker):
    coordinator, client, session = checker
    incident = session.incident
    assert Incident.objects.get(pk=incident.pk).status == Incident.Status.ASSIGNED

    response = client.get(f"/rvr/incidents/{incident.reference}/check/")

    assert response.status_code == 200
    look = AccessEvent.objects.filter(actor=coordinator,
                                      what=f"RVR check {incident.reference}").latest("at")
    assert (look.why, look.flagged) == ("doing the RVR check", False)


def test_a_coordinator_whose_check_is_over_is_asked_why_before_opening_it_again(
        checker, conduct_events, django_capture_on_commit_callbacks):
    coordinator, client, session = checker
    incident = session.incident
    video_call_end(session_id=session.pk, by="victim")
    page = f"/rvr/incidents/{incident.reference}/check/"

    asked = client.get(page)

    assert asked.status_code == 403
    assert "Why are you opening this record?" in asked.content.decode()
    assert "Send a new link" not in asked.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/people/{incident.person_id}/look/", {"reason": REASON, "next": page})
        assert client.get(page).status_code == 200
    look = AccessEvent.objects.filter(actor=coordinator,
                                      what=f"RVR check {incident.reference}").latest("at")
    assert (look.why, look.flagged) == (REASON, True)
    assert {"type": "live.event", "kind": "look.flagged",
            "access_event_id": look.pk} in conduct_events()


def test_a_coordinator_with_no_part_in_the_incident_is_asked_why_and_cannot_change_it(
        in_call_session, staff_client):
    outsider = StaffFactory(role=Role.COORDINATOR)
    client = staff_client(outsider)
    incident = in_call_session.incident
    assessments, sessions = RvrAssessment.objects.count(), VideoSession.objects.count()

    looked = client.get(f"/rvr/incidents/{incident.reference}/check/")
    checked = client.post(f"/rvr/incidents/{incident.reference}/check/", YES)
    sent_again = client.post(f"/rvr/checks/{in_call_session.assessment_id}/send/",
                             {"channel": "sms"})
    revoked = client.post(f"/rvr/sessions/{in_call_session.pk}/revoke/")
    panel = client.get(f"/rvr/incidents/{incident.reference}/panel/",
                       headers={"X-Hub-Background": "1"})

    assert [r.status_code for r in (looked, checked, sent_again, revoked, panel)] == [403] * 5
    assert all(b"Why are you opening this record?" in r.content
               for r in (looked, checked, sent_again, revoked))
    assert panel.content == b"Give a reason to open this record first."
    assert (RvrAssessment.objects.count(), VideoSession.objects.count()) == (assessments,
                                                                              sessions)
    assert not AccessEvent.objects.filter(actor=outsider).exists()


def test_the_incident_panel_is_a_look_with_the_readers_reason(assessment, coordinator,
                                                              staff_client):
    incident = assessment.incident

    response = staff_client(coordinator).get(f"/rvr/incidents/{incident.reference}/panel/")

    assert response.status_code == 200
    look = _look(coordinator, f"RVR panel {incident.reference}")
    assert (look.person_id, look.flagged) == (incident.person_id, False)


# Contact after the work ended.

def test_a_link_sent_after_the_senders_work_with_her_ended_is_flagged(
        incident, staff_client, conduct_events, django_capture_on_commit_callbacks):
    sender = StaffFactory(role=Role.COORDINATOR)
    earlier = assigned(sender, incident.person, kind=Assignment.Kind.INCIDENT,
                       subject="incident:INC-EARLIER", why="opened the incident")
    assignments_end(kind=earlier.kind, subject=earlier.subject,
                    at=timezone.now() - timedelta(days=60))
    client = staff_client(sender)
    client.post(f"/rvr/incidents/{incident.reference}/check/", YES)
    assessment = RvrAssessment.objects.get(incident=incident)
    client.post(f"/rvr/checks/{assessment.pk}/consent/", {"consent": "yes", "wait_told": "yes"})

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/rvr/checks/{assessment.pk}/send/", {"channel": "sms"})

    session = VideoSession.objects.get(assessment=assessment)
    flagged = AccessEvent.objects.get(actor=sender, why=CONTACT_AFTER_ASSIGNMENT)
    assert (flagged.what, flagged.flagged, flagged.person_id) == (
        f"video link {session.pk}", True, incident.person_id)
    assert {"type": "live.event", "kind": "look.flagged",
            "access_event_id": flagged.pk} in conduct_events()


def test_a_link_sent_as_part_of_the_work_is_not_flagged(assessment, coordinator,
                                                        staff_client):
    staff_client(coordinator).post(f"/rvr/checks/{assessment.pk}/send/", {"channel": "sms"})

    assert VideoSession.objects.filter(assessment=assessment).exists()
    assert not AccessEvent.objects.filter(why=CONTACT_AFTER_ASSIGNMENT).exists()


# Named after taking the call: an officer kept from her incident from then on (its opening
# text found to name them) reaches none of the call's pages by its id, as if it did not exist.
OFFICER_CALL_URLS = [("get", "/rvr/sessions/{}/call/"), ("get", "/rvr/sessions/{}/shared/"),
                     ("post", "/rvr/sessions/{}/dash/"), ("post", "/rvr/sessions/{}/notes/"),
                     ("post", "/rvr/sessions/{}/stills/"), ("post", "/rvr/sessions/{}/outcome/"),
                     ("post", "/rvr/sessions/{}/interpreter/"),
                     ("post", "/rvr/sessions/{}/recording/chunks/?track=victim&seq=0"),
                     ("post", "/rvr/sessions/{}/recording/stop/")]


@pytest.mark.parametrize(("method", "path"), OFFICER_CALL_URLS)
def test_an_officer_named_after_taking_the_call_reaches_none_of_it(
        in_call_session, officer, staff_client, method, path):
    named_in_her_incident(in_call_session.incident, officer)
    client = staff_client(officer)

    logged = log_kinds(in_call_session.incident)

    hidden = getattr(client, method)(path.format(in_call_session.pk))
    missing = getattr(client, method)(path.format(999999))

    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
    in_call_session.refresh_from_db()
    assert in_call_session.status == VideoSession.Status.IN_CALL
    assert log_kinds(in_call_session.incident) == logged


def test_a_supervisor_named_in_her_incident_cannot_play_its_recording(
        in_call_session, officer, staff_client):
    recording_consent_record(session_id=in_call_session.pk, agreed=True)
    recording_chunk_store(session=in_call_session, officer=officer, upload=upload("victim", 0))
    named = StaffFactory(role=Role.SUPERVISOR)
    named_in_her_incident(in_call_session.incident, named)

    page = staff_client(named).get(f"/rvr/sessions/{in_call_session.pk}/recording/?why=x")
    track = staff_client(named).get(f"/rvr/sessions/{in_call_session.pk}/recording/victim/")

    assert page.status_code == track.status_code == 404
    assert not AccessEvent.objects.filter(actor=named, what__startswith="recording").exists()


def test_an_officer_named_after_taking_the_call_opens_none_of_its_evidence(
        in_call_session, officer, staff_client):
    still = evidence_still_record(session=in_call_session, officer=officer, image=PNG)
    upload = victim_upload_record(session_id=in_call_session.pk, content=screenshot_png())
    named_in_her_incident(in_call_session.incident, officer)
    client = staff_client(officer)

    for path in ("/rvr/stills/{}/", "/rvr/uploads/{}/"):
        pk = still.pk if "stills" in path else upload.pk
        hidden, missing = client.get(path.format(pk)), client.get(path.format(999999))
        assert hidden.status_code == missing.status_code == 404, path
    assert not AccessEvent.objects.filter(actor=officer, what__contains=str(still.pk)).exists()



# Kept from her incident before any call (its opening text names them): no RVR check of it is
# reachable by its id, no link goes to her, and no list names it.
CHECK_URLS = ["/rvr/checks/{}/consent/", "/rvr/checks/{}/key-word/", "/rvr/checks/{}/send/",
              "/rvr/checks/{}/not-offered/"]


@pytest.mark.parametrize("path", CHECK_URLS)
def test_a_coordinator_kept_from_her_incident_reaches_none_of_its_rvr_check(
        assessment, staff_client, path):
    named = StaffFactory(role=Role.COORDINATOR)
    named_in_her_incident(assessment.incident, named)
    client = staff_client(named)
    form = {"consent": "no", "key_word": "bluebell", "channel": "sms"}
    before = RvrAssessment.objects.filter(pk=assessment.pk).values().get()

    hidden = client.post(path.format(assessment.pk), form)
    missing = client.post(path.format(999999), form)

    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
    assert not VideoSession.objects.exists()
    assert RvrAssessment.objects.filter(pk=assessment.pk).values().get() == before


def test_the_rvr_figures_and_the_waiting_list_never_name_a_kept_incident(
        in_call_session, officer, staff_client):
    VideoSession.objects.filter(pk=in_call_session.pk).update(suspect_present_at=timezone.now())
    reference = in_call_session.incident.reference
    named_supervisor = StaffFactory(role=Role.SUPERVISOR)
    for staff in (named_supervisor, officer):
        named_in_her_incident(in_call_session.incident, staff)
    other_supervisor = StaffFactory(role=Role.SUPERVISOR)

    assert reference in staff_client(other_supervisor).get("/rvr/figures/").content.decode()
    assert reference not in staff_client(named_supervisor).get("/rvr/figures/").content.decode()
    waiting = staff_client(officer).get("/rvr/waiting/").content.decode()
    assert reference not in waiting
    assert f"/rvr/sessions/{in_call_session.pk}/" not in waiting
