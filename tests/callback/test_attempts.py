"""Attempts: each call's result, retries at the configured interval inside the caller's safe
window, and the hand-over to a coordinator after the last one. Time is passed in, not slept."""

from __future__ import annotations

from datetime import timedelta

import pytest

from callback.attempts import (
    AttemptRefused,
    attempts_overdue_fail,
    call_status_advance,
    callback_attempt_record,
)
from callback.models import CallbackAttempt, CallbackRequest
from callback.services import callback_next_claim
from contact_hub.staff.models import Assignment
from tests.callback.conftest import local
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db
EVENING = local(2026, 1, 5, 18, 0)


def _call_and_miss(handler, *, at, result="no_answer"):
    request = callback_next_claim(handler=handler, now=at)
    assert request is not None, f"nothing to call at {at}"
    attempt = request.attempts.order_by("-started_at").first()
    callback_attempt_record(attempt=attempt, result=result, source="handler", now=at)
    return CallbackRequest.objects.get(pk=request.pk), attempt


def test_each_attempt_is_recorded_with_its_time_handler_and_result(ask_callback, coordinator):
    ask_callback(now=EVENING)

    _, attempt = _call_and_miss(coordinator, at=EVENING, result="busy")

    attempt.refresh_from_db()
    assert (attempt.handler, attempt.started_at, attempt.result, attempt.result_at) == (
        coordinator, EVENING, "busy", EVENING)


def test_an_unanswered_caller_is_retried_after_the_interval_and_keeps_their_place(
        ask_callback, coordinator):
    missed = ask_callback(now=EVENING - timedelta(minutes=30))
    later = ask_callback(now=EVENING - timedelta(minutes=5))

    request, _ = _call_and_miss(coordinator, at=EVENING)

    assert request.status == "queued"
    assert request.next_attempt_at == EVENING + timedelta(minutes=10)
    assert callback_next_claim(handler=StaffFactory(), now=EVENING + timedelta(minutes=1)) \
        == later
    assert callback_next_claim(handler=StaffFactory(),
                               now=EVENING + timedelta(minutes=10)) == missed


def test_a_retry_that_would_fall_outside_the_safe_window_waits_for_it_to_open(
        ask_callback, coordinator):
    ask_callback(window="evening", now=local(2026, 1, 5, 20, 40))

    request, _ = _call_and_miss(coordinator, at=local(2026, 1, 5, 20, 55))

    assert request.next_attempt_at == local(2026, 1, 6, 17, 0)
    assert callback_next_claim(handler=coordinator, now=local(2026, 1, 5, 21, 5)) is None
    assert callback_next_claim(handler=coordinator, now=local(2026, 1, 6, 16, 59)) is None
    assert callback_next_claim(handler=coordinator, now=local(2026, 1, 6, 17, 0)) == request


def test_after_the_last_attempt_a_coordinator_is_told_we_could_not_make_contact(
        ask_callback, coordinator, settings):
    settings.HUB_CALLBACK_MAX_ATTEMPTS = 3
    ask_callback(now=EVENING)

    for n, result in enumerate(("no_answer", "busy", "voicemail")):
        request, _ = _call_and_miss(coordinator, at=EVENING + timedelta(minutes=10 * n),
                                    result=result)

    assert (request.status, request.flag) == ("coordinator", "unable_to_contact")
    assert request.attempts.count() == 3
    assert callback_next_claim(handler=coordinator, now=EVENING + timedelta(hours=1)) is None


def test_the_number_of_attempts_is_configurable(ask_callback, coordinator, settings):
    settings.HUB_CALLBACK_MAX_ATTEMPTS = 1
    ask_callback(now=EVENING)

    request, _ = _call_and_miss(coordinator, at=EVENING)

    assert request.status == "coordinator"


def test_the_retry_interval_is_configurable(ask_callback, coordinator, settings):
    settings.HUB_CALLBACK_RETRY_MINUTES = 25
    ask_callback(now=EVENING)

    request, _ = _call_and_miss(coordinator, at=EVENING)

    assert request.next_attempt_at == EVENING + timedelta(minutes=25)


def test_an_answered_call_stays_with_the_handler_for_the_outcome(ask_callback, coordinator):
    ask_callback(now=EVENING)

    request, _ = _call_and_miss(coordinator, at=EVENING, result="answered")

    assert (request.status, request.claimed_by) == ("calling", coordinator)


def test_the_first_result_recorded_stands(ask_callback, coordinator):
    ask_callback(now=EVENING)
    request, attempt = _call_and_miss(coordinator, at=EVENING, result="answered")

    again = callback_attempt_record(attempt=attempt, result="no_answer", source="provider")

    assert not again
    attempt.refresh_from_db()
    assert attempt.result == "answered"
    assert CallbackRequest.objects.get(pk=request.pk).status == "calling"


def test_an_unknown_result_is_refused(ask_callback, coordinator):
    ask_callback(now=EVENING)
    request = callback_next_claim(handler=coordinator, now=EVENING)

    with pytest.raises(AttemptRefused):
        callback_attempt_record(attempt=request.attempts.get(), result="maybe",
                                source="handler")


def test_call_status_only_moves_forward(ask_callback, coordinator):
    ask_callback(now=EVENING)
    attempt = callback_next_claim(handler=coordinator, now=EVENING).attempts.get()

    assert call_status_advance(attempt, "completed")
    assert not call_status_advance(attempt, "ringing")
    assert not call_status_advance(attempt, "not-a-status")
    attempt.refresh_from_db()
    assert attempt.call_status == "completed"


def test_a_call_that_never_reports_back_is_failed_by_the_sweep_and_retried(
        ask_callback, coordinator, settings):
    settings.HUB_CALLBACK_ATTEMPT_TIMEOUT_MINUTES = 15
    ask_callback(now=EVENING)
    request = callback_next_claim(handler=coordinator, now=EVENING)

    assert attempts_overdue_fail(now=EVENING + timedelta(minutes=14)) == 0
    assert attempts_overdue_fail(now=EVENING + timedelta(minutes=16)) == 1

    attempt = CallbackAttempt.objects.get()
    assert (attempt.result, attempt.result_source) == ("failed", "sweep")
    assert CallbackRequest.objects.get(pk=request.pk).status == "queued"


def test_a_call_nobody_answered_ends_the_handlers_assignment_at_once(ask_callback,
                                                                     coordinator):
    ask_callback(now=EVENING)

    request, _ = _call_and_miss(coordinator, at=EVENING)

    assignment = Assignment.objects.get(kind=Assignment.Kind.CALLBACK,
                                        subject=f"callback:{request.pk}")
    assert (assignment.staff, assignment.started_at, assignment.ends_at) == (
        coordinator, EVENING, EVENING)
