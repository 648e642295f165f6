"""The RVR reads: the supervisor's figures (contact-to-officer time, uptake), the person's
history, and the reads of a victim's record, each in the access log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from contact_hub.conversations.looks import ReasonNeeded, break_glass_open
from contact_hub.conversations.models import MessageExclusion
from contact_hub.incidents.models import IncidentContact
from contact_hub.incidents.services import incident_flag_add, incident_open
from contact_hub.staff.models import AccessEvent, AccessEventPerson, Role
from rvr.calls import evidence_still_record, video_check_record
from rvr.connection_check import CheckResult
from rvr.eligibility import rvr_check_record, rvr_consent_record
from rvr.links import video_session_join
from rvr.models import VideoSession
from rvr.selectors import (
    call_history,
    evidence_still_read,
    rvr_check_read,
    rvr_figures,
    rvr_panel_read,
    video_call_read,
    video_waiting_read,
)
from tests.factories import StaffFactory
from tests.rvr.conftest import ALL_YES, da_incident, named_in_her_incident

pytestmark = pytest.mark.django_db
NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _connected_after(coordinator, minutes: float) -> None:
    """A call whose officer connected `minutes` after the victim's first contact."""
    incident = da_incident(coordinator)
    contact = IncidentContact.objects.get(incident=incident).message
    type(contact).objects.filter(pk=contact.pk).update(created_at=NOON)
    checked = rvr_check_record(incident=incident, answers=ALL_YES, actor=coordinator)
    VideoSession.objects.create(
        incident=incident, assessment=checked, token_hash=f"{incident.pk:064d}",
        expires_at=NOON, channel="sms", sent_by=coordinator, link_sent_at=NOON,
        officer_connected_at=NOON + timedelta(minutes=minutes))


def test_median_and_90th_percentile_of_contact_to_officer(coordinator):
    for minutes in [2, 3, 3, 4, 5, 6, 8, 10, 30, 45]:
        _connected_after(coordinator, minutes)

    figures = rvr_figures(since=NOON - timedelta(days=1), until=NOON + timedelta(days=1))

    assert (figures.calls, figures.median_minutes, figures.p90_minutes) == (10, 5.5, 30.0)


def test_uptake_is_the_share_of_eligible_victims_who_chose_rvr(coordinator):
    for consent in (True, True, False):
        incident = da_incident(coordinator)
        checked = rvr_check_record(incident=incident, answers=ALL_YES, actor=coordinator)
        rvr_consent_record(assessment=checked, consent=consent, actor=coordinator,
                           wait_told=True)
    rvr_check_record(incident=da_incident(coordinator), answers=ALL_YES | {"device": False},
                     actor=coordinator)
    now = datetime.now(tz=UTC)

    figures = rvr_figures(since=now - timedelta(days=1), until=now + timedelta(days=1))

    assert (figures.eligible, figures.took_up, figures.uptake_pct) == (3, 2, 66.7)


def test_the_history_gathers_the_flags_of_the_persons_incidents(in_call_session, coordinator):
    earlier = in_call_session.incident
    incident_flag_add(incident=earlier, kind="weapons", actor=coordinator)
    later = incident_open(opening_code="DOMESTIC", grade="priority", actor=coordinator,
                          person=earlier.person)
    incident_flag_add(incident=later, kind="children_present", actor=coordinator)

    history = call_history(later, viewer=coordinator)

    assert history.incidents == [earlier]
    assert history.video_calls == 1
    assert history.incident_flags == ["children_present", "weapons"]


def test_reading_the_check_is_in_the_access_log(assessment, coordinator):
    incident = assessment.incident

    check = rvr_check_read(incident=incident, actor=coordinator)

    assert check.refusal is None and check.assessment == assessment
    assert ("sms", "") in check.channels
    access = AccessEvent.objects.get()
    assert (access.actor, access.action, access.what, access.person_id) == (
        coordinator, AccessEvent.Action.VIEW, f"RVR check {incident.reference}",
        incident.person_id)


def test_reading_the_call_is_in_the_access_log(in_call_session, officer):
    call = video_call_read(session=in_call_session, officer=officer)

    assert call.risk is None and call.history.video_calls == 1
    access = AccessEvent.objects.get(actor=officer)
    assert (access.action, access.what, access.person_id) == (
        AccessEvent.Action.VIEW, f"video call {in_call_session.pk}",
        in_call_session.incident.person_id)


def test_reading_a_still_is_in_the_access_log(in_call_session, officer):
    still = evidence_still_record(session=in_call_session, officer=officer,
                                  image=b"\x89PNG\r\n\x1a\n" + b"\x00" * 50)

    assert evidence_still_read(still_id=still.pk, actor=officer) == still
    access = AccessEvent.objects.get(actor=officer)
    assert (access.action, access.what, access.flagged) == (
        AccessEvent.Action.VIEW, f"evidence still {still.pk}", False)


def test_a_still_of_a_victim_the_reader_has_no_reason_to_see_asks_why_first(
        in_call_session, officer, standards):
    still = evidence_still_record(session=in_call_session, officer=officer,
                                  image=b"\x89PNG\r\n\x1a\n" + b"\x00" * 50)

    with pytest.raises(ReasonNeeded):
        evidence_still_read(still_id=still.pk, actor=standards)
    assert not AccessEvent.objects.filter(actor=standards).exists()

    break_glass_open(actor=standards, person_id=still.incident.person_id,
                     reason="assessing a complaint about the call", what="person")
    assert evidence_still_read(still_id=still.pk, actor=standards) == still
    access = AccessEvent.objects.get(actor=standards, what=f"evidence still {still.pk}")
    assert (access.why, access.flagged) == ("assessing a complaint about the call", True)


def test_reading_a_still_that_does_not_exist_records_nothing(standards):
    assert evidence_still_read(still_id=404, actor=standards) is None
    assert not AccessEvent.objects.exists()


def test_the_waiting_list_is_one_access_event_naming_the_victims_it_shows(sent, officer):
    session, token = sent
    video_session_join(token=token)
    video_check_record(session_id=session.pk, result=CheckResult(30.0, 0.0, 800.0, "good"))
    other = da_incident(StaffFactory(role=Role.COORDINATOR))  # no link: not on the list

    read = video_waiting_read(actor=officer)

    assert [s.pk for s, _ in read.waiting] == [session.pk]
    event = AccessEvent.objects.get(actor=officer)
    assert (event.what, event.why, event.person_id) == ("video waiting list",
                                                        "video call waiting", None)
    assert list(AccessEventPerson.objects.filter(event=event)
                .values_list("person_id", flat=True)) == [session.incident.person_id]
    assert other.person_id != session.incident.person_id


def test_an_empty_waiting_list_records_nothing(officer):
    assert video_waiting_read(actor=officer).waiting == []
    assert not AccessEvent.objects.exists()


def test_the_rvr_panel_is_a_look_at_the_victim(assessment, coordinator, officer):
    incident = assessment.incident

    panel = rvr_panel_read(incident=incident, actor=coordinator)

    assert panel.assessment == assessment and panel.refusal is None
    access = AccessEvent.objects.get()
    assert (access.actor, access.what, access.person_id, access.flagged) == (
        coordinator, f"RVR panel {incident.reference}", incident.person_id, False)
    with pytest.raises(ReasonNeeded):
        rvr_panel_read(incident=incident, actor=officer)


def test_the_waiting_list_leaves_out_a_victim_whose_incident_is_kept_from_the_officer(
        waiting, officer):
    session, _ = waiting
    named = StaffFactory(role=Role.RVR_OFFICER)
    MessageExclusion.objects.create(message=session.incident.contacts.get().message,
                                    staff=named, basis=MessageExclusion.Basis.NAMED,
                                    how="named in the text")

    assert [s for s, _ in video_waiting_read(actor=named).waiting] == []
    assert [s.pk for s, _ in video_waiting_read(actor=officer).waiting] == [session.pk]


@pytest.mark.parametrize("path", ["/rvr/sessions/{}/accept/", "/rvr/sessions/{}/accept/prepared/"])
def test_an_officer_kept_from_her_incident_cannot_take_her_call_by_its_id(
        waiting, staff_client, path):
    session, _ = waiting
    named = StaffFactory(role=Role.RVR_OFFICER)
    MessageExclusion.objects.create(message=session.incident.contacts.get().message,
                                    staff=named, basis=MessageExclusion.Basis.NAMED,
                                    how="named in the text")

    hidden = staff_client(named).post(path.format(session.pk))
    missing = staff_client(named).post(path.format(999999))

    assert hidden.status_code == missing.status_code == 404
    session.refresh_from_db()
    assert session.status == VideoSession.Status.WAITING and session.officer_id is None


def test_her_earlier_calls_in_an_incident_kept_from_the_officer_are_not_counted(
        in_call_session):
    VideoSession.objects.filter(pk=in_call_session.pk).update(
        officer_connected_at=in_call_session.link_sent_at)
    incident = in_call_session.incident
    named, other = StaffFactory(role=Role.RVR_OFFICER), StaffFactory(role=Role.RVR_OFFICER)
    named_in_her_incident(incident, named)

    assert call_history(incident, viewer=other).video_calls == 1
    assert call_history(incident, viewer=named).video_calls == 0
