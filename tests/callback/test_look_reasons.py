"""Call handlers' reasons to open a caller's record: her waiting in the 101 callback queue (or
needing a coordinator), a supervisor overseeing the queue, and nothing once her callback is
finished or someone else is calling her."""

from __future__ import annotations

import pytest
from django.utils import timezone

from callback.look_reasons import (
    CALLBACK_QUEUE,
    SUPERVISING_CALLBACKS,
    callback_reason_required,
    callback_supervising,
    callback_waiting,
)
from callback.models import CallbackRequest
from callback.services import callback_close, callback_next_claim, callback_welfare_create
from contact_hub.conversations.looks import ReasonNeeded, look_basis
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def _reason(reason, staff, callback_request):
    return reason(staff, callback_request.person_id, timezone.now())


def test_a_caller_waiting_in_the_queue_is_a_reason_for_any_call_handler(ask_callback,
                                                                        coordinator):
    waiting = ask_callback()

    assert _reason(callback_waiting, coordinator, waiting) == CALLBACK_QUEUE
    assert look_basis(coordinator, waiting.person_id).why == CALLBACK_QUEUE


def test_a_caller_needing_a_coordinator_is_a_reason_too(ask_callback, coordinator):
    unreachable = ask_callback()
    CallbackRequest.objects.filter(pk=unreachable.pk).update(status="coordinator",
                                                             flag="unable_to_contact")

    assert _reason(callback_waiting, coordinator, unreachable) == CALLBACK_QUEUE


def test_staff_who_do_not_work_callbacks_get_no_reason_from_the_queue(ask_callback, officer,
                                                                      standards):
    waiting = ask_callback()

    assert _reason(callback_waiting, officer, waiting) is None
    assert _reason(callback_waiting, standards, waiting) is None
    assert look_basis(officer, waiting.person_id) is None


def test_a_caller_another_handler_is_calling_is_no_reason_for_the_rest(ask_callback,
                                                                       coordinator):
    being_called = ask_callback()
    callback_next_claim(handler=StaffFactory())

    assert _reason(callback_waiting, coordinator, being_called) is None
    assert look_basis(coordinator, being_called.person_id) is None


def test_a_finished_callback_is_no_reason(ask_callback, coordinator):
    finished = ask_callback()
    callback_close(callback_request=finished, actor=coordinator, reason="advice given")

    assert _reason(callback_waiting, coordinator, finished) is None


def test_a_supervisor_oversees_callbacks_being_called_but_not_finished_ones(
        ask_callback, supervisor):
    being_called = ask_callback()
    callback_next_claim(handler=StaffFactory())

    assert _reason(callback_supervising, supervisor, being_called) == SUPERVISING_CALLBACKS
    callback_close(callback_request=being_called, actor=supervisor, reason="closed for them")
    assert _reason(callback_supervising, supervisor, being_called) is None


def test_a_change_needs_a_reason_and_a_withheld_number_has_nobody_to_need_one(
        ask_callback, coordinator):
    being_called = ask_callback()
    callback_next_claim(handler=StaffFactory())
    withheld = callback_welfare_create(call_sid="CAwithheld-reason", caller=None,
                                       flag="hung_up")

    with pytest.raises(ReasonNeeded) as needed:
        callback_reason_required(being_called, coordinator)

    assert needed.value.person_id == being_called.person_id
    assert callback_reason_required(withheld, coordinator) is None
