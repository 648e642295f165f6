"""A victim's "call me back" from a video call: a real 101 callback request, in her safe window,
linked to the incident, in the queue and on the dashboard, once however often she asks."""

from __future__ import annotations

from datetime import time

import pytest

from callback.models import CallbackEntry, CallbackRequest, PreferenceChange
from callback.selectors import callback_queue_read
from contact_hub.incidents.callback_asks import incident_callback_ask
from contact_hub.people.models import Identity
from contact_hub.people.safe_contact import safe_contact_plan_save
from contact_hub.triage.queue import queue_items
from rvr.calls import video_callback_request, video_check_record
from rvr.connection_check import CheckResult
from rvr.links import video_session_join
from rvr.models import VideoSession
from tests.rvr.conftest import (  # noqa: F401  (the RVR fixtures these tests start from)
    assessment,
    in_memory_channel_layer,
    incident,
    rvr_settings,
    sent,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(sent) -> VideoSession:  # noqa: F811  (the fixture imported above)
    """A victim in the waiting room, whose connection check advised a call back."""
    session, token = sent
    video_session_join(token=token)
    return video_check_record(session_id=session.pk,
                              result=CheckResult(900.0, 20.0, 40.0, "poor"))


def her_number(session: VideoSession) -> Identity:
    return Identity.objects.get(person_id=session.incident.person_id, kind="phone")


def callback_asked(session: VideoSession) -> dict:
    return session.incident.log.get(kind="video.callback_requested").data


def test_asking_from_the_video_call_puts_her_in_the_callback_queue(waiting):
    video_callback_request(session_id=waiting.pk)

    callback_request = CallbackRequest.objects.get()
    assert (callback_request.source, callback_request.status) == ("video", "queued")
    assert callback_request.incident_id == waiting.incident_id
    assert callback_request.person_id == waiting.incident.person_id
    assert callback_request.identity == her_number(waiting)
    assert callback_request.priority == CallbackRequest.Priority.HIGH
    assert callback_asked(waiting)["callback_request_id"] == callback_request.pk
    waiting.incident.refresh_from_db()
    assert "callback_requested" in waiting.incident.flags  # the coordinator's flag stays


def test_asking_twice_makes_one_request(waiting):
    video_callback_request(session_id=waiting.pk)
    video_callback_request(session_id=waiting.pk)

    assert CallbackRequest.objects.count() == 1
    assert CallbackEntry.objects.count() == 1
    assert waiting.incident.log.filter(kind="video.callback_requested").count() == 1


def test_the_asker_itself_is_idempotent_for_the_incident(waiting):
    first = incident_callback_ask(incident=waiting.incident, source="video",
                                  now=waiting.checked_at)
    again = incident_callback_ask(incident=waiting.incident, source="video",
                                  now=waiting.checked_at)

    assert again.callback_request_id == first.callback_request_id and again.merged
    assert CallbackEntry.objects.count() == 1


def test_the_request_keeps_her_safe_contact_plan(waiting, coordinator):
    safe_contact_plan_save(person=waiting.incident.person, actor=coordinator,
                           channels=["sms", "voice"], safe_from=time(17), safe_until=time(21),
                           voicemail_ok=False)

    video_callback_request(session_id=waiting.pk)

    callback_request = CallbackRequest.objects.get()
    assert (callback_request.safe_from, callback_request.safe_until) == (time(17), time(21))
    assert (callback_request.voicemail_ok, callback_request.texts_ok) == (False, True)
    assert callback_request.safe_window_label == "17:00 to 21:00"


def test_without_a_plan_the_request_leaves_no_voicemail_and_sends_no_texts(waiting):
    video_callback_request(session_id=waiting.pk)

    callback_request = CallbackRequest.objects.get()
    assert (callback_request.voicemail_ok, callback_request.texts_ok) == (False, False)


def test_a_plan_that_does_not_allow_calls_makes_no_request(waiting, coordinator):
    safe_contact_plan_save(person=waiting.incident.person, actor=coordinator, channels=["sms"],
                           safe_from=None, safe_until=None, voicemail_ok=False)

    video_callback_request(session_id=waiting.pk)

    assert not CallbackRequest.objects.exists()
    asked = callback_asked(waiting)
    assert asked["callback_request_id"] is None
    assert asked["not_made"] == "her safe-contact plan does not allow calls"
    waiting.incident.refresh_from_db()
    assert "callback_requested" in waiting.incident.flags  # a coordinator still follows it up


def test_a_number_already_in_the_queue_keeps_its_place(waiting, ask_callback, coordinator):
    earlier = ask_callback(her_number(waiting).value, voicemail_ok=True)
    safe_contact_plan_save(person=waiting.incident.person, actor=coordinator, channels=[],
                           safe_from=None, safe_until=None, voicemail_ok=False)

    video_callback_request(session_id=waiting.pk)

    callback_request = CallbackRequest.objects.get()
    assert callback_request.pk == earlier.pk
    assert callback_request.joined_at == earlier.joined_at
    assert callback_request.incident_id == waiting.incident_id
    # Her plan's "no voicemail" is the safer word, so it is applied; nothing else changes.
    assert callback_request.voicemail_ok is False
    assert callback_asked(waiting)["already_in_queue"] is True
    assert list(callback_request.entries.values_list("source", flat=True)) == ["web", "video"]


def test_the_request_is_in_the_handlers_queue_and_on_the_dashboard(waiting, coordinator):
    video_callback_request(session_id=waiting.pk)
    callback_request = CallbackRequest.objects.get()

    queue = callback_queue_read(actor=coordinator).queue
    assert [r.pk for r, _ in queue] == [callback_request.pk]
    assert f"callback:{callback_request.pk}" in [i.key for i in queue_items(viewer=coordinator)]


def test_an_incident_with_nobody_on_it_makes_no_request(coordinator):
    from contact_hub.incidents.services import incident_open

    nobodys = incident_open(opening_code="DOMESTIC", grade="priority", actor=coordinator)

    asked = incident_callback_ask(incident=nobodys, source="video", now=nobodys.created_at)

    assert asked.callback_request_id is None and "no person" in asked.refusal
    assert not CallbackRequest.objects.exists()


def test_her_plans_hours_replace_the_requests_and_its_own_are_held(waiting, ask_callback,
                                                                   coordinator):
    earlier = ask_callback(her_number(waiting).value, window="evening", voicemail_ok=True)
    safe_contact_plan_save(person=waiting.incident.person, actor=coordinator,
                           channels=["voice"], safe_from=time(9), safe_until=time(11),
                           voicemail_ok=False)

    video_callback_request(session_id=waiting.pk)

    earlier.refresh_from_db()
    assert earlier.safe_window_label == "09:00 to 11:00" and earlier.voicemail_ok is False
    held = earlier.pending_change
    assert held is not None and held.window == "evening" and held.source == "web"
    assert held.asked_at == earlier.joined_at


def test_a_change_already_waiting_keeps_its_own_window(waiting, ask_callback, coordinator):
    number = her_number(waiting).value
    earlier = ask_callback(number, window="evening")
    ask_callback(number, window="morning")  # held for the handler already
    safe_contact_plan_save(person=waiting.incident.person, actor=coordinator, channels=[],
                           safe_from=time(13), safe_until=time(15), voicemail_ok=False)

    video_callback_request(session_id=waiting.pk)

    earlier.refresh_from_db()
    assert earlier.safe_window_label == "13:00 to 15:00"
    assert PreferenceChange.objects.get().window == "morning"


def test_the_same_hours_as_her_plan_hold_nothing(waiting, ask_callback, coordinator):
    earlier = ask_callback(her_number(waiting).value, window="evening")
    safe_contact_plan_save(person=waiting.incident.person, actor=coordinator, channels=[],
                           safe_from=time(17), safe_until=time(21), voicemail_ok=False)

    video_callback_request(session_id=waiting.pk)

    earlier.refresh_from_db()
    assert earlier.safe_window_label == "17:00 to 21:00"
    assert not PreferenceChange.objects.exists()
