"""The 101 line's webhooks: TwiML parsed as XML and checked, signed requests as Twilio sends
them, and every bad input."""

from __future__ import annotations

from datetime import timedelta
from email.utils import format_datetime

import pytest
from django.test import Client
from django.utils import timezone

from callback.models import CallbackAttempt, CallbackRequest, VoiceCall
from callback.services import callback_next_claim
from contact_hub.staff.models import SecurityEvent
from tests.callback.conftest import call_sid, spoken, twiml
from tests.twilio_fakes import signed_twilio_post

pytestmark = pytest.mark.django_db
CALLER = "+447700900401"
SID = call_sid(0x401)
ATTEMPT_SID = call_sid(0x403)


def _post(path: str, data: dict[str, str], **kwargs):
    request = signed_twilio_post(path, data, **kwargs)
    return Client().post(request.path, request.data, **request.headers)


def _call(sid: str = SID, caller: str = CALLER):
    return _post("/callback/voice/", {"CallSid": sid, "From": caller, "To": "+441632960101"})


def _press(stage: str, digits: str, sid: str = SID, **extra: str):
    return _post(f"/callback/voice/step/{stage}/", {"CallSid": sid, "Digits": digits, **extra})


def _silence(stage: str, sid: str = SID):
    return _post(f"/callback/voice/silence/{stage}/", {"CallSid": sid})


def _hang_up(sid: str = SID):
    return _post("/callback/voice/status/", {"CallSid": sid, "CallStatus": "completed"})


def test_the_101_line_offers_a_callback_and_otherwise_keeps_the_caller_queued():
    root = twiml(_call())

    gather = root.find("Gather")
    assert gather.get("action") == "/callback/voice/step/menu/"
    assert gather.get("numDigits") == "1"
    assert "dtmf" in gather.get("input")
    assert "press 1" in spoken(gather)
    assert "police" not in spoken(root).lower()
    assert root.find("Redirect").text == "/callback/voice/silence/menu/"


def test_pressing_1_confirms_the_number_by_its_last_digits_only():
    _call()

    response = _press("menu", "1")

    root = twiml(response)
    assert "ending 4, 0, 1" in spoken(root)
    assert root.find("Gather").get("action") == "/callback/voice/step/number/"
    assert b"900401" not in response.content


def test_saying_call_back_works_like_pressing_1():
    _call()

    root = twiml(_press("menu", "", SpeechResult="Call back please."))

    assert root.find("Gather").get("action") == "/callback/voice/step/number/"


def test_the_whole_menu_puts_the_caller_in_the_queue_with_their_choices(
        django_capture_on_commit_callbacks):
    _call()
    _press("menu", "1")
    _press("number", "1")
    _press("window", "3")
    _press("voicemail", "2")

    with django_capture_on_commit_callbacks(execute=True):
        root = twiml(_press("texts", "1"))

    request = CallbackRequest.objects.get()
    assert (request.source, request.status) == ("voice", "queued")
    assert request.identity.value == CALLER
    assert request.safe_window_label == "17:00 to 21:00"
    assert (request.voicemail_ok, request.texts_ok) == (False, True)
    assert "You asked for a call between 17:00 and 21:00" in spoken(root)
    assert "in the queue" in spoken(root) and "number 1" not in spoken(root)
    assert root.find("Hangup") is not None
    assert request.entries.get().call_sid == SID


def test_the_caller_can_key_in_a_different_number(django_capture_on_commit_callbacks):
    _call()
    _press("menu", "1")
    root = twiml(_press("number", "2"))
    assert root.find("Gather").get("finishOnKey") == "#"

    _press("keyed", "07700900402")
    with django_capture_on_commit_callbacks(execute=True):
        for stage, digits in (("window", "0"), ("voicemail", "1"), ("texts", "2")):
            _press(stage, digits)

    request = CallbackRequest.objects.get()
    assert request.identity.value == "+447700900402"
    assert request.safe_window_label == "any time"
    assert request.voicemail_ok


def test_a_keyed_premium_rate_number_is_refused_and_asked_for_again():
    _call()
    _press("menu", "1")
    _press("number", "2")

    first = twiml(_press("keyed", "09098790000"))
    assert "premium-rate" in spoken(first)
    assert first.find("Gather").get("action") == "/callback/voice/step/keyed/"

    second = twiml(_press("keyed", "+12025550123"))
    assert "in this country" in spoken(second)
    assert second.find("Enqueue").text == "101"
    assert not CallbackRequest.objects.exists()
    events = SecurityEvent.objects.filter(kind="callback_number_refused")
    assert sum(e.count for e in events) == 2  # repeats in one minute share a row
    assert all(e.detail == {"source": "voice"} for e in events)


def test_a_caller_from_a_foreign_number_is_asked_to_key_in_one_we_can_call():
    _call(caller="+12025550123")

    root = twiml(_press("menu", "1"))

    assert "in this country" in spoken(root)
    assert root.find("Gather").get("action") == "/callback/voice/step/keyed/"


def test_a_withheld_number_is_told_it_cannot_be_called_back_and_stays_queued():
    _call(caller="anonymous")

    root = twiml(_press("menu", "1"))

    assert "withheld" in spoken(root)
    assert root.find("Enqueue").text == "101"
    assert not CallbackRequest.objects.exists()


def test_pressing_2_keeps_the_caller_queued_for_an_operator():
    _call()

    root = twiml(_press("menu", "2"))

    assert root.find("Enqueue").text == "101"
    assert VoiceCall.objects.get().stage == "holding"
    _hang_up()
    assert not CallbackRequest.objects.exists()


def test_a_silent_caller_is_asked_again_then_passed_to_a_coordinator_and_kept_queued():
    _call()

    again = twiml(_silence("menu"))
    assert "didn't hear" in spoken(again)
    assert not CallbackRequest.objects.exists()

    root = twiml(_silence("menu"))

    assert root.find("Enqueue").text == "101"
    item = CallbackRequest.objects.get()
    assert (item.status, item.flag, item.identity.value) == ("coordinator", "silent_call",
                                                             CALLER)
    _hang_up()
    assert CallbackRequest.objects.count() == 1


def test_a_silent_withheld_call_still_reaches_a_coordinator():
    _call(caller="anonymous")
    _silence("menu")
    _silence("menu")

    item = CallbackRequest.objects.get()
    assert (item.status, item.flag, item.identity) == ("coordinator", "silent_call", None)


def test_hanging_up_during_the_menu_becomes_a_welfare_item_once():
    _call()
    _press("menu", "1")

    assert _hang_up().status_code == 204
    assert _hang_up().status_code == 204

    item = CallbackRequest.objects.get()
    assert (item.status, item.flag) == ("coordinator", "hung_up")


def test_hanging_up_after_asking_for_a_callback_is_not_a_welfare_item(
        django_capture_on_commit_callbacks):
    _call()
    with django_capture_on_commit_callbacks(execute=True):
        for stage, digits in (("menu", "1"), ("number", "1"), ("window", "0"),
                              ("voicemail", "2"), ("texts", "2")):
            _press(stage, digits)

    _hang_up()

    assert CallbackRequest.objects.get().flag == ""


def test_a_retried_answer_to_an_earlier_prompt_repeats_the_current_one():
    _call()
    _press("menu", "1")
    _press("number", "1")

    root = twiml(_press("menu", "2"))  # Twilio retrying the first answer

    assert root.find("Gather").get("action") == "/callback/voice/step/window/"
    assert VoiceCall.objects.get().stage == "window"


def test_a_forged_signature_is_refused_and_nothing_is_stored():
    request = signed_twilio_post("/callback/voice/", {"CallSid": call_sid(1), "From": CALLER},
                                 token="not-our-token")

    response = Client().post(request.path, request.data, **request.headers)

    assert response.status_code == 403
    assert not VoiceCall.objects.exists()
    assert SecurityEvent.objects.get().kind == "bad_signature"


def test_the_voice_line_is_off_without_twilio_credentials(settings):
    request = signed_twilio_post("/callback/voice/", {"CallSid": call_sid(1), "From": CALLER})
    settings.TWILIO_AUTH_TOKEN = ""

    response = Client().post(request.path, request.data, **request.headers)

    assert response.status_code == 503
    assert not VoiceCall.objects.exists()


def test_a_call_without_a_call_sid_is_refused_and_recorded():
    assert _post("/callback/voice/", {"From": CALLER}).status_code == 400

    assert not VoiceCall.objects.exists()
    assert SecurityEvent.objects.get().detail == {"provider": "twilio", "reason": "call sid"}


# Calls placed to callers.

@pytest.fixture
def attempt(ask_callback, coordinator) -> CallbackAttempt:
    ask_callback("07700900403", voicemail_ok=True)
    return callback_next_claim(handler=coordinator).attempts.get()


def _answer(attempt, answered_by: str = "human"):
    return _post(f"/callback/voice/attempt/{attempt.pk}/answer/",
                 {"CallSid": ATTEMPT_SID, "AnsweredBy": answered_by})


def _status(attempt, status: str, *, sid: str = ATTEMPT_SID, at=None, **extra: str):
    data = {"CallSid": sid, "CallStatus": status,
            "Timestamp": format_datetime(at or timezone.now()), **extra}
    return _post(f"/callback/voice/attempt/{attempt.pk}/status/", data)


def test_a_person_answering_is_connected_to_the_handler_without_the_number(attempt,
                                                                          coordinator):
    response = _answer(attempt)

    root = twiml(response)
    assert root.find("Dial/Client").text == f"staff-{coordinator.pk}"
    assert "police" not in spoken(root).lower()
    assert b"900403" not in response.content
    attempt.refresh_from_db()
    assert attempt.result == "answered"


def test_a_handler_with_a_desk_phone_is_rung_there(attempt, coordinator):
    type(coordinator).objects.filter(pk=coordinator.pk).update(desk_phone="+441632960001")

    root = twiml(_answer(attempt))

    assert root.find("Dial/Number").text == "+441632960001"


def test_voicemail_gets_a_neutral_message_only_if_the_caller_allowed_it(attempt):
    root = twiml(_answer(attempt, "machine_end_beep"))

    assert "call back you asked for" in spoken(root)
    assert "police" not in spoken(root).lower()
    assert root.find("Hangup") is not None
    attempt.refresh_from_db()
    assert attempt.result == "voicemail"


def test_no_voicemail_is_left_when_the_caller_said_no(attempt):
    CallbackRequest.objects.filter(pk=attempt.request_id).update(voicemail_ok=False)

    root = twiml(_answer(attempt, "machine_start"))

    assert root.find("Say") is None
    assert root.find("Hangup") is not None


def test_an_answer_for_a_callback_already_closed_is_not_connected(attempt):
    CallbackRequest.objects.filter(pk=attempt.request_id).update(status="closed")

    root = twiml(_answer(attempt))

    assert root.find("Dial") is None


def test_status_callbacks_record_an_unanswered_call_and_schedule_the_retry(attempt):
    for status in ("initiated", "ringing", "no-answer"):
        assert _status(attempt, status).status_code == 204

    attempt.refresh_from_db()
    assert (attempt.call_status, attempt.result, attempt.call_sid) == (
        "no-answer", "no_answer", ATTEMPT_SID)
    request = CallbackRequest.objects.get()
    assert request.status == "queued" and request.next_attempt_at is not None


def test_out_of_order_status_callbacks_never_move_a_call_back(attempt):
    _status(attempt, "busy")
    _status(attempt, "ringing")
    _status(attempt, "in-progress")

    attempt.refresh_from_db()
    assert (attempt.call_status, attempt.result) == ("busy", "busy")


def test_a_repeated_status_callback_changes_nothing(attempt, settings):
    settings.HUB_CALLBACK_MAX_ATTEMPTS = 3
    _status(attempt, "no-answer")
    request = CallbackRequest.objects.get()

    assert _status(attempt, "no-answer").status_code == 204

    again = CallbackRequest.objects.get()
    assert (again.status, again.attempts_made, again.next_attempt_at) == (
        request.status, request.attempts_made, request.next_attempt_at)
    assert not SecurityEvent.objects.exists()


def test_a_replayed_old_status_callback_is_refused_and_recorded(attempt):
    response = _status(attempt, "no-answer", at=timezone.now() - timedelta(hours=3))

    assert response.status_code == 403
    attempt.refresh_from_db()
    assert attempt.result == ""
    event = SecurityEvent.objects.get()
    assert (event.kind, event.detail["attempt_id"]) == ("replayed_callback", attempt.pk)


def test_a_status_callback_for_another_call_is_ignored(attempt):
    _status(attempt, "ringing", sid=ATTEMPT_SID)

    _status(attempt, "failed", sid=call_sid(0xbad))

    attempt.refresh_from_db()
    assert (attempt.call_status, attempt.result) == ("ringing", "")


def test_a_status_callback_with_a_malformed_call_sid_is_refused(attempt):
    response = _status(attempt, "completed", sid="CA403")

    assert response.status_code == 400
    attempt.refresh_from_db()
    assert (attempt.call_sid, attempt.result) == (None, "")
    assert SecurityEvent.objects.get().kind == "malformed_payload"


def test_a_status_callback_for_an_unknown_attempt_is_answered_and_ignored(db):
    response = _post("/callback/voice/attempt/999/status/",
                     {"CallSid": call_sid(0x999), "CallStatus": "completed"})

    assert response.status_code == 204
    assert not CallbackAttempt.objects.exists()
    assert not VoiceCall.objects.exists()


def test_a_completed_call_answered_by_a_machine_counts_as_voicemail(attempt):
    _status(attempt, "completed", AnsweredBy="machine_end_silence")

    attempt.refresh_from_db()
    assert attempt.result == "voicemail"


def test_a_forged_status_callback_changes_nothing(attempt):
    request = signed_twilio_post(f"/callback/voice/attempt/{attempt.pk}/status/",
                                 {"CallSid": ATTEMPT_SID, "CallStatus": "completed"},
                                 token="forged")

    response = Client().post(request.path, request.data, **request.headers)

    assert response.status_code == 403
    attempt.refresh_from_db()
    assert attempt.result == ""
