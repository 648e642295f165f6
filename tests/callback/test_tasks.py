"""Placing the call: through Twilio's real SDK, with only its HTTP layer replaced."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from callback.models import CallbackAttempt, CallbackRequest, WebFormAsk
from callback.services import callback_next_claim
from callback.tasks import callback_call_place, callback_sweep
from contact_hub.celery import app
from contact_hub.conversations.models import OutboxEntry
from contact_hub.followups.models import FollowUp
from tests.callback.conftest import FROM_NUMBER

pytestmark = pytest.mark.django_db
BASE = "https://hub.example.police.uk"


def _claim(ask_callback, handler, capture, number="07700900501"):
    ask_callback(number)
    with capture(execute=True):
        request = callback_next_claim(handler=handler)
    return request, request.attempts.get()


def test_next_callback_rings_the_caller_through_twilio(ask_callback, coordinator, call_line,
                                                       django_capture_on_commit_callbacks):
    _, attempt = _claim(ask_callback, coordinator, django_capture_on_commit_callbacks)

    [sent] = call_line.requests
    assert sent.method == "POST"
    assert sent.url.endswith("/Calls.json")
    assert sent.data["To"] == "+447700900501"
    assert sent.data["From"] == FROM_NUMBER
    assert sent.data["Url"] == f"{BASE}/callback/voice/attempt/{attempt.pk}/answer/"
    assert sent.data["StatusCallback"] == f"{BASE}/callback/voice/attempt/{attempt.pk}/status/"
    assert sent.data["MachineDetection"] == "Enable"
    attempt.refresh_from_db()
    assert (attempt.provider, attempt.call_status) == ("twilio", "queued")
    assert attempt.call_sid.startswith("CA")
    assert FollowUp.objects.get().done_at is not None


def test_the_caller_is_never_rung_twice_for_one_attempt(ask_callback, coordinator, call_line,
                                                        django_capture_on_commit_callbacks):
    _, attempt = _claim(ask_callback, coordinator, django_capture_on_commit_callbacks)

    callback_call_place.work(attempt_id=attempt.pk)

    assert len(call_line.requests) == 1


def test_a_number_twilio_says_can_never_be_called_goes_to_a_coordinator(
        ask_callback, coordinator, call_line, django_capture_on_commit_callbacks):
    call_line.replies.append((400, {"code": 21211, "message": "Invalid 'To' Phone Number",
                                    "status": 400}))

    request, attempt = _claim(ask_callback, coordinator, django_capture_on_commit_callbacks)

    attempt.refresh_from_db()
    request.refresh_from_db()
    assert (attempt.result, attempt.result_source) == ("failed", "provider")
    assert (request.status, request.flag) == ("coordinator", "unable_to_contact")


def test_a_twilio_outage_leaves_the_attempt_to_be_placed_again(
        ask_callback, coordinator, call_line, django_capture_on_commit_callbacks):
    call_line.replies.append((503, {"code": 20500, "message": "Service unavailable",
                                    "status": 503}))

    _, attempt = _claim(ask_callback, coordinator, django_capture_on_commit_callbacks)

    attempt.refresh_from_db()
    assert (attempt.call_status, attempt.result) == ("placing", "")
    followup = FollowUp.objects.get()
    assert followup.done_at is None and followup.last_error == "TransportError"

    callback_call_place.work(attempt_id=attempt.pk)  # the sweeper runs it again

    attempt.refresh_from_db()
    assert attempt.call_status == "queued"
    assert len(call_line.requests) == 2


def test_without_a_callback_number_configured_nothing_is_rung(
        ask_callback, coordinator, call_line, settings, django_capture_on_commit_callbacks):
    settings.HUB_CALLBACK_FROM_NUMBER = ""

    _, attempt = _claim(ask_callback, coordinator, django_capture_on_commit_callbacks)

    assert call_line.requests == []
    attempt.refresh_from_db()
    assert attempt.call_status == "placing"


def test_the_demo_line_puts_the_call_on_the_outbox_page(
        ask_callback, coordinator, settings, django_capture_on_commit_callbacks):
    settings.HUB_CALL_BACKEND = "callback.calling.DemoCallBackend"

    _, attempt = _claim(ask_callback, coordinator, django_capture_on_commit_callbacks)

    entry = OutboxEntry.objects.get()
    assert (entry.channel, entry.to) == ("voice", "+447700900501")
    attempt.refresh_from_db()
    assert (attempt.provider, attempt.call_status) == ("demo", "ringing")


def test_the_sweep_is_scheduled_and_runs(ask_callback):
    assert app.conf.beat_schedule["callback-sweep"]["task"] == "callback.sweep"
    assert callback_sweep.apply().get() == 0
    assert not CallbackAttempt.objects.exists() and not CallbackRequest.objects.exists()


def test_the_sweep_forgets_form_requests_no_follow_up_took():
    now = timezone.now()
    for age in (timedelta(days=2), timedelta(minutes=5)):
        WebFormAsk.objects.create(number="+447700900502", window="any", voicemail_ok=False,
                                  texts_ok=False, created_at=now - age)

    callback_sweep.apply()

    assert list(WebFormAsk.objects.values_list("created_at", flat=True)) == [
        now - timedelta(minutes=5)]
