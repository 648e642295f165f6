"""An officer on a video call who is then kept from her incident is taken off the call: their
console closes, the interpreter link they issued stops working, the log says so, and
she waits for another officer, and supervisors are told."""

from __future__ import annotations

import pytest

from contact_hub.conversations.models import MessageExclusion
from contact_hub.conversations.visibility import staff_kept_from
from contact_hub.incidents.models import Alert
from contact_hub.staff.models import Role
from rvr.calls import video_session_accept
from rvr.interpreter import interpreter_invite
from rvr.kept_from import officers_withdraw
from rvr.models import VideoSession
from rvr.selectors import video_waiting_read
from tests.factories import StaffFactory
from tests.rvr.conftest import log_kinds, named_in_her_incident
from tests.rvr.interpreter_sockets import turn_configured  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def _kept(session: VideoSession, staff_ids: list[int]) -> None:
    """As misconduct referrals send it once they have kept staff from her opening text."""
    staff_kept_from.send(sender=MessageExclusion,
                         message_id=session.incident.contacts.get().message_id,
                         staff_ids=staff_ids)


@pytest.mark.usefixtures("turn_configured")
def test_an_officer_kept_from_her_incident_is_taken_off_her_call(
        in_call_session, officer, django_capture_on_commit_callbacks):
    invitation = interpreter_invite(session=in_call_session, officer=officer)
    named_in_her_incident(in_call_session.incident, officer)

    with django_capture_on_commit_callbacks(execute=True) as sent:
        _kept(in_call_session, [officer.pk])

    invitation.invite.refresh_from_db()
    assert invitation.invite.revoked_at is not None
    assert log_kinds(in_call_session.incident)[-2:] == ["video.interpreter_revoked",
                                                        "video.officer_withdrawn"]
    in_call_session.refresh_from_db()
    assert in_call_session.status == VideoSession.Status.WAITING
    assert in_call_session.officer_id is None  # another officer may take it
    alert = Alert.objects.get(kind=Alert.Kind.VIDEO_OFFICER_KEPT)
    assert alert.for_role == Role.SUPERVISOR and alert.incident_id == in_call_session.incident_id
    assert sent  # the console's close goes out once this commits


def test_an_officer_still_allowed_her_incident_stays_on_the_call(in_call_session, officer):
    # Kept from some other message of hers, not one that hides the incident.
    assert officers_withdraw(message_id=0, staff_ids=[officer.pk]) == []
    _kept(in_call_session, [officer.pk])

    assert "video.officer_withdrawn" not in log_kinds(in_call_session.incident)
    in_call_session.refresh_from_db()
    assert in_call_session.officer_id == officer.pk
    assert not Alert.objects.filter(kind=Alert.Kind.VIDEO_OFFICER_KEPT).exists()


def test_another_officer_takes_her_call_once_its_officer_is_taken_off(in_call_session, officer):
    named_in_her_incident(in_call_session.incident, officer)
    _kept(in_call_session, [officer.pk])
    another = StaffFactory(role=Role.RVR_OFFICER)

    taken = video_session_accept(session=in_call_session, officer=another)

    assert taken.officer_id == another.pk and taken.status == VideoSession.Status.IN_CALL
    assert [s.pk for s, _ in video_waiting_read(actor=another).waiting] == []
