"""The web form's and the 101 menu's follow-ups: they act after the answer, exactly once."""

from __future__ import annotations

import pytest

from callback.entries import callback_web_ask_queue, callback_web_ask_take
from callback.models import CallbackEntry, CallbackRequest, WebFormAsk
from contact_hub.followups.models import FollowUp

pytestmark = pytest.mark.django_db


def _ask(**overrides: object) -> None:
    callback_web_ask_queue(**{"number": "+447700900901", "window": "evening",
                              "voicemail_ok": False, "texts_ok": False,
                              "source_ip": "198.51.100.9", **overrides})


def test_a_form_request_waits_for_its_follow_up():
    _ask()

    assert not CallbackRequest.objects.exists()
    ask = WebFormAsk.objects.get()
    assert FollowUp.objects.get().payload == {"web_form_ask_id": ask.pk}


def test_the_follow_up_makes_the_request_once_and_forgets_the_number(
        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _ask()
    ask_id = FollowUp.objects.get().payload["web_form_ask_id"]

    callback_web_ask_take.work(web_form_ask_id=ask_id)  # run again, as after a lost lease

    request = CallbackRequest.objects.get()
    assert (request.source, request.safe_window_label) == ("web", "17:00 to 21:00")
    assert CallbackEntry.objects.count() == 1
    assert not WebFormAsk.objects.exists()
