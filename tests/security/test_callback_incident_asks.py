"""A victim's "call me back" from her video call, from the abuser's side: he knows her number
and posts the public callback form with it first, asking for the hours he is home with her
phone. When her ask from the call merges into his request, the hours staff agreed with her
(her safe-contact plan) are the ones the queue dials in, and his are only held for the handler
to check with her on the call."""

from __future__ import annotations

import time as clock
from datetime import datetime, time

import pytest
from django.test import Client
from django.utils import timezone

from callback.forms import form_token
from callback.models import CallbackRequest, PreferenceChange
from callback.selectors import callback_due
from contact_hub.people.models import Identity
from contact_hub.people.safe_contact import safe_contact_plan_save
from contact_hub.staff.models import SecurityEvent
from rvr.calls import video_callback_request
from rvr.models import VideoSession
from tests.rvr.conftest import in_memory_channel_layer  # noqa: F401 - autouse

pytestmark = pytest.mark.django_db


def _local(hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate(), time(hour)))


@pytest.fixture
def his_entry(in_call_session: VideoSession, django_capture_on_commit_callbacks
              ) -> CallbackRequest:
    """He posts the public form with her number: evenings, voicemail and texts welcome."""
    number = Identity.objects.get(person_id=in_call_session.incident.person_id,
                                  kind="phone").value
    data = {"number": number, "window": "evening", "voicemail_ok": "yes", "texts_ok": "yes",
            "website": "", "started": form_token(now=clock.time() - 20)}
    with django_capture_on_commit_callbacks(execute=True):
        assert Client(REMOTE_ADDR="203.0.113.9").post("/callback/request/",
                                                      data).status_code == 200
    return CallbackRequest.objects.get(identity__value=number)


@pytest.fixture
def her_plan(in_call_session: VideoSession, coordinator) -> None:
    """Agreed with her by staff: mornings 9 to 11, calls only, no voicemail."""
    safe_contact_plan_save(person=in_call_session.incident.person, actor=coordinator,
                           channels=["voice"], safe_from=time(9), safe_until=time(11),
                           voicemail_ok=False)


def test_her_call_back_from_the_video_call_is_dialled_in_her_plans_hours_not_his(
        his_entry, her_plan, in_call_session):
    video_callback_request(session_id=in_call_session.pk)

    his_entry.refresh_from_db()
    assert (his_entry.safe_from, his_entry.safe_until) == (time(9), time(11))
    assert (his_entry.voicemail_ok, his_entry.texts_ok) == (False, False)
    assert his_entry.incident_id == in_call_session.incident_id
    assert his_entry in callback_due(_local(10))
    assert his_entry not in callback_due(_local(19))  # his evening: not dialled


def test_his_hours_are_held_for_the_handler_and_recorded(his_entry, her_plan,
                                                         in_call_session):
    video_callback_request(session_id=in_call_session.pk)

    held = PreferenceChange.objects.get(request=his_entry)
    assert held.status == PreferenceChange.Status.PENDING and held.window == "evening"
    assert held.get_source_display() == "Web form"
    assert held.asked_for == "change the safe time to evenings, 5pm to 9pm"
    event = SecurityEvent.objects.get(kind="callback_window_overridden")
    assert event.detail["callback_request_id"] == his_entry.pk
    assert "+44" not in str(event.detail)


def test_hours_set_outside_the_named_windows_are_replaced_and_held_too(in_call_session,
                                                                       her_plan):
    person = in_call_session.incident.person
    his = CallbackRequest.objects.create(
        person=person, identity=Identity.objects.get(person=person, kind="phone"),
        source="web", joined_at=timezone.now(), safe_from=time(19), safe_until=time(22),
        voicemail_ok=True)

    video_callback_request(session_id=in_call_session.pk)

    his.refresh_from_db()
    assert (his.safe_from, his.safe_until, his.voicemail_ok) == (time(9), time(11), False)
    assert his.pending_change.asked_for == "change the safe time to 19:00 to 22:00"
