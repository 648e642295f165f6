"""RVR's rows on the dashboard queue: victims waiting for a video call."""

from __future__ import annotations

import pytest

from contact_hub.conversations.models import MessageExclusion
from contact_hub.triage.queue import queue_items
from rvr.calls import video_check_record
from rvr.connection_check import CheckResult
from rvr.links import video_session_join
from rvr.queue import RISK_VIDEO_WAITING
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def test_a_victim_in_the_video_waiting_room_is_on_the_queue(sent, coordinator):
    session, token = sent
    video_session_join(token=token)
    video_check_record(session_id=session.pk, result=CheckResult(30.0, 0.0, 800.0, "good"))

    [item] = [i for i in queue_items(viewer=coordinator) if i.kind == "video"]

    assert (item.key, item.risk) == (f"video:{session.pk}", RISK_VIDEO_WAITING)


def test_the_dashboard_shows_the_waiting_victim_with_the_officer_console(sent, coordinator,
                                                                         staff_client):
    session, token = sent
    video_session_join(token=token)
    video_check_record(session_id=session.pk, result=CheckResult(30.0, 0.0, 800.0, "good"))

    page = staff_client(coordinator).get("/triage/queue/").content.decode()

    assert "Victim waiting for a video call" in page
    assert session.incident.reference in page


def test_a_member_of_staff_kept_from_her_incident_is_not_shown_her_waiting_in_the_queue(
        sent, coordinator, staff_client):
    session, token = sent
    video_session_join(token=token)
    video_check_record(session_id=session.pk, result=CheckResult(30.0, 0.0, 800.0, "good"))
    named = StaffFactory(role="coordinator")
    # The text the incident was opened from names them (an allegation of misconduct).
    MessageExclusion.objects.create(message=session.incident.contacts.get().message,
                                    staff=named, basis=MessageExclusion.Basis.NAMED,
                                    how="named in the text")

    page = staff_client(named).get("/triage/queue/").content.decode()

    assert [i for i in queue_items(viewer=named) if i.kind == "video"] == []
    assert session.incident.reference not in page
    assert "Victim waiting for a video call" not in page
    assert [i.key for i in queue_items(viewer=coordinator) if i.kind == "video"] == [
        f"video:{session.pk}"]
