"""Which video calls' records a member of staff may see: not those of an incident an
allegation naming them keeps from them, whoever they are on the call."""

from __future__ import annotations

import pytest

from contact_hub.staff.models import Role
from rvr.models import CallRecording
from rvr.recording import recording_chunk_store, recording_consent_record
from rvr.visibility import call_records_visible_to, sessions_visible_to
from tests.factories import StaffFactory
from tests.rvr.conftest import named_in_her_incident
from tests.rvr.recording_chunks import upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded(in_call_session, officer) -> CallRecording:
    recording_consent_record(session_id=in_call_session.pk, agreed=True)
    recording_chunk_store(session=in_call_session, officer=officer, upload=upload("victim", 0))
    return CallRecording.objects.get(session=in_call_session)


def test_the_officer_who_took_the_call_sees_it_until_she_is_named(in_call_session, officer):
    assert list(sessions_visible_to(officer)) == [in_call_session]

    named_in_her_incident(in_call_session.incident, officer)

    assert list(sessions_visible_to(officer)) == []
    assert list(sessions_visible_to(StaffFactory(role=Role.RVR_OFFICER))) == [in_call_session]


def test_a_supervisor_named_in_her_incident_sees_none_of_its_recordings(recorded,
                                                                        in_call_session):
    named, other = StaffFactory(role=Role.SUPERVISOR), StaffFactory(role=Role.SUPERVISOR)
    named_in_her_incident(in_call_session.incident, named)

    assert list(call_records_visible_to(CallRecording.objects.all(), named)) == []
    assert list(call_records_visible_to(CallRecording.objects.all(), other)) == [recorded]
