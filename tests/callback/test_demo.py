"""The demo's simulated callback traffic goes through the same menu steps and services as a
real line, so the queue it fills is the real thing."""

from __future__ import annotations

import pytest

from callback.demo import SCRIPT
from callback.models import CallbackRequest

pytestmark = pytest.mark.django_db


def test_the_demo_script_fills_the_queue_and_the_coordinators_list(
        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for scene in SCRIPT:
            scene()

    queued = CallbackRequest.objects.filter(status="queued")
    assert set(queued.values_list("source", flat=True)) == {"voice", "web", "text"}
    assert set(CallbackRequest.objects.filter(status="coordinator")
               .values_list("flag", flat=True)) == {"silent_call", "hung_up"}
    returning = CallbackRequest.objects.get(identity__value="+447700900201")
    assert returning.entries.count() == 2  # called, then used the web form: one place
    # The form asked for any time and voicemail: held until the caller confirms it on a call.
    assert (returning.safe_window_label, returning.voicemail_ok) == ("17:00 to 21:00", False)
    assert returning.pending_change.asked_for == (
        "change the safe time to any time and allow voicemail")
