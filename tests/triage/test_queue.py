"""The dashboard queue brings every source together: messages, incidents, 101 callbacks and
welfare items, and victims waiting for video."""

from __future__ import annotations

import pytest
from django.utils import timezone

from callback.models import CallbackRequest
from callback.services import CallbackAsk, callback_request_create, callback_welfare_create
from contact_hub.incidents.services import incident_open
from contact_hub.people.models import Identity, Person
from contact_hub.triage.queue import (
    RISK_VIDEO_WAITING,
    RISK_WELFARE,
    queue_items,
    queue_order,
    queue_order_parse,
)
from rvr.calls import video_check_record
from rvr.check import CheckResult
from rvr.eligibility import rvr_check_record, rvr_consent_record
from rvr.links import video_link_send, video_session_join
from tests.factories import received_message
from tests.rvr.conftest import ALL_YES, sent_token

pytestmark = pytest.mark.django_db


def _silent_call(number: str) -> CallbackRequest:
    person = Person.objects.create()
    caller = Identity.objects.create(person=person, kind="phone", value=number)
    return callback_welfare_create(call_sid="CA-silent-1", caller=caller, flag="silent_call")


def test_a_silent_call_is_near_the_top_of_the_queue(coordinator):
    welfare = _silent_call("+447700900801")

    [item] = [i for i in queue_items(viewer=coordinator) if i.kind == "callback"]

    assert item.key == f"callback:{welfare.pk}"
    assert item.risk == RISK_WELFARE


def test_a_waiting_callback_request_is_on_the_queue_and_leaves_it_when_closed(coordinator):
    request = callback_request_create(ask=CallbackAsk(
        source="web", number="07700900802", window="any", voicemail_ok=False,
        texts_ok=False)).request

    assert f"callback:{request.pk}" in [i.key for i in queue_items(viewer=coordinator)]

    CallbackRequest.objects.filter(pk=request.pk).update(status=CallbackRequest.Status.CLOSED)
    assert f"callback:{request.pk}" not in [i.key for i in queue_items(viewer=coordinator)]


def test_the_dashboard_shows_callbacks_with_masked_numbers(coordinator, staff_client):
    _silent_call("+447700900803")

    page = staff_client(coordinator).get("/triage/queue/").content.decode()

    assert "Silent call" in page
    assert "+44 •••• ••803" in page
    assert "900803" not in page.replace("••803", "")


def test_a_victim_in_the_video_waiting_room_is_on_the_queue(
        coordinator, settings, django_capture_on_commit_callbacks):
    settings.RVR_LINK_BASE_URL = "https://hub.example"
    incident = incident_open(opening_code="DOMESTIC", grade="priority", actor=coordinator,
                             message=received_message(text="he has gone out"))
    checked = rvr_check_record(incident=incident, answers=ALL_YES, actor=coordinator)
    assessment = rvr_consent_record(assessment=checked, consent=True, actor=coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        session = video_link_send(assessment=assessment, actor=coordinator)
    video_session_join(token=sent_token())
    video_check_record(session_id=session.pk, result=CheckResult(30.0, 0.0, 800.0, "good"))

    [item] = [i for i in queue_items(viewer=coordinator) if i.kind == "video"]

    assert (item.key, item.risk) == (f"video:{session.pk}", RISK_VIDEO_WAITING)


def test_a_queue_order_reads_back_to_the_same_risk_and_moment():
    since = timezone.now()

    assert queue_order_parse(queue_order(85, since)) == (85, since)


@pytest.mark.parametrize("order", ["", "15", "015", "1x5-1795466143.5", "015-17954661a3.5",
                                   "015-1795466143.5.5", "0015-1795466143.5"])
def test_anything_else_is_not_a_queue_order(order):
    with pytest.raises(ValueError):
        queue_order_parse(order)
