"""Callback's rows on the dashboard queue: 101 callback requests and welfare items."""

from __future__ import annotations

import pytest

from callback.models import CallbackRequest
from callback.queue import RISK_WELFARE, callbacks_waiting
from callback.services import CallbackAsk, callback_request_create, callback_welfare_create
from contact_hub.people.models import Identity, Person
from contact_hub.triage.queue import queue_items, queue_source_register

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
    callback_request = callback_request_create(ask=CallbackAsk(
        source="web", number="07700900802", window="any", voicemail_ok=False,
        texts_ok=False)).callback_request

    assert f"callback:{callback_request.pk}" in [i.key for i in queue_items(viewer=coordinator)]

    CallbackRequest.objects.filter(pk=callback_request.pk).update(
        status=CallbackRequest.Status.CLOSED)
    assert f"callback:{callback_request.pk}" not in [
        i.key for i in queue_items(viewer=coordinator)]


def test_the_dashboard_shows_callbacks_with_masked_numbers(coordinator, staff_client):
    _silent_call("+447700900803")

    page = staff_client(coordinator).get("/triage/queue/").content.decode()

    assert "Silent call" in page
    assert "+44 •••• ••803" in page
    assert "900803" not in page.replace("••803", "")


def test_registering_the_source_again_does_not_list_its_items_twice(coordinator):
    welfare = _silent_call("+447700900804")

    queue_source_register(callbacks_waiting)  # CallbackConfig.ready() already has

    keys = [i.key for i in queue_items(viewer=coordinator)]
    assert keys.count(f"callback:{welfare.pk}") == 1
