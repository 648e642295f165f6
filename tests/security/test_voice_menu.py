"""The 101 line's callback menu from the abuser's and the forger's side. He can ring the line
from his own phone and key in her number, or make his caller ID show hers; the forger can post
anything to the webhooks. Neither may learn from the menu whether she asked for a callback,
nor change when and how she said we may contact her."""

from __future__ import annotations

import pytest
from django.test import Client

from callback.models import CallbackRequest, PreferenceChange, VoiceCall
from callback.services import CallbackAsk, callback_request_create
from contact_hub.staff.models import SecurityEvent
from tests.callback.conftest import call_sid
from tests.twilio_fakes import signed_twilio_post

pytestmark = pytest.mark.django_db
HERS = "+447700900811"
HIS = "+447700900812"
NEVER_ASKED = "07700900813"
# Every step of the menu, from "press 1 for a callback" to the last choice: key in a number,
# any time, voicemail yes, texts yes.
KEYED_IN_LOOSEST = [("menu", "1"), ("number", "2"), ("keyed", None), ("window", "0"),
                    ("voicemail", "1"), ("texts", "1")]


@pytest.fixture(autouse=True)
def twilio_line(twilio: type) -> type:
    return twilio


@pytest.fixture
def her_request(db: None) -> CallbackRequest:
    """She asked to be called only in the evening, with no voicemail and no texts."""
    placed = callback_request_create(ask=CallbackAsk(
        source="web", number=HERS, window="evening", voicemail_ok=False, texts_ok=False))
    return placed.callback_request


def _post(path: str, data: dict[str, str], **kwargs: str):
    request = signed_twilio_post(path, data, **kwargs)
    return Client().post(request.path, request.data, **request.headers)


def _menu(sid: str, *, caller: str, keyed: str, steps=KEYED_IN_LOOSEST) -> list[bytes]:
    """Ring the line and go through the menu; every answer the caller heard, in order."""
    heard = [_post("/callback/voice/", {"CallSid": sid, "From": caller}).content]
    for stage, digits in steps:
        heard.append(_post(f"/callback/voice/step/{stage}/",
                           {"CallSid": sid, "Digits": keyed if digits is None else digits})
                     .content)
    return heard


@pytest.fixture
def ring(django_capture_on_commit_callbacks):
    """Go through the menu, then run the follow-up that makes the request, as a worker would."""

    def rung(sid: str, **kwargs: str) -> list[bytes]:
        with django_capture_on_commit_callbacks(execute=True):
            return _menu(sid, **kwargs)

    return rung


def _recorded(kind: str) -> int:
    """How many refusals of this kind were recorded (repeats in a minute share a row)."""
    return sum(SecurityEvent.objects.filter(kind=kind).values_list("count", flat=True))


def _her_settings() -> tuple[str, bool, bool]:
    request = CallbackRequest.objects.get(identity__value=HERS)
    return request.safe_window_label, request.voicemail_ok, request.texts_ok


def test_a_forged_signature_is_refused_and_nothing_is_stored(her_request):
    for path in ("/callback/voice/", "/callback/voice/step/keyed/"):
        request = signed_twilio_post(path, {"CallSid": call_sid(1), "From": HIS,
                                            "Digits": HERS}, token="not-our-token")

        response = Client().post(request.path, request.data, **request.headers)

        assert response.status_code == 403
    assert not VoiceCall.objects.exists()
    assert not PreferenceChange.objects.exists()
    assert _recorded("bad_signature") == 2


def test_keying_in_her_number_cannot_widen_her_settings(her_request, ring):
    ring(call_sid(2), caller=HIS, keyed=HERS)

    assert _her_settings() == ("17:00 to 21:00", False, False)
    change = PreferenceChange.objects.get(request=her_request)
    assert (change.source, change.window, change.allow_voicemail, change.allow_texts) == (
        "voice", "any", True, True)
    assert SecurityEvent.objects.get(kind="callback_change_held").detail["source"] == "voice"


def test_a_call_showing_her_number_cannot_widen_her_settings_either(her_request, ring):
    """Caller ID is easy to spoof: a call from her number is no proof it is her."""
    steps = [("menu", "1"), ("number", "1"), ("window", "0"), ("voicemail", "1"),
             ("texts", "1")]

    ring(call_sid(3), caller=HERS, keyed="", steps=steps)

    assert _her_settings() == ("17:00 to 21:00", False, False)
    assert PreferenceChange.objects.get(request=her_request).window == "any"


def test_a_safer_choice_on_the_menu_is_applied(ring):
    callback_request_create(ask=CallbackAsk(
        source="web", number=HERS, window="evening", voicemail_ok=True, texts_ok=True))
    steps = [("menu", "1"), ("number", "2"), ("keyed", None), ("window", "3"),
             ("voicemail", "2"), ("texts", "2")]

    ring(call_sid(4), caller=HIS, keyed=HERS, steps=steps)

    assert _her_settings() == ("17:00 to 21:00", False, False)
    assert not PreferenceChange.objects.exists()


def test_every_answer_is_the_same_whether_or_not_she_asked(her_request, ring):
    probe = ring(call_sid(5), caller=HIS, keyed=HERS)
    control = ring(call_sid(6), caller=HIS, keyed=NEVER_ASKED)

    assert probe == control
    assert b"number 1" not in probe[-1] and b"already" not in probe[-1]
    assert CallbackRequest.objects.filter(identity__value="+447700900813").exists()


def test_a_flood_on_her_number_by_phone_sounds_like_success(her_request, ring, settings):
    settings.HUB_CALLBACK_NUMBER_LIMIT = 2
    control = ring(call_sid(7), caller=HIS, keyed=NEVER_ASKED)

    flood = [ring(call_sid(8 + n), caller=HIS, keyed=HERS) for n in range(3)]

    assert all(heard == control for heard in flood)
    assert her_request.entries.count() == 2
    event = SecurityEvent.objects.get(kind="callback_flood")
    assert (event.detail, event.count) == ({"source": "voice", "by": "number"}, 1)


@pytest.mark.parametrize("sid", [
    "", "CA123", "CA" + "g" * 32, "XX" + "0" * 32, "CA" + "0" * 33, "ca" + "0" * 32,
    "CA" + "0" * 31 + "\n", "CA" + "0" * 30 + "/x", "CA" + "0" * 31 + "%",
])
def test_a_call_sid_not_in_twilios_format_is_refused_and_recorded(sid):
    for path in ("/callback/voice/", "/callback/voice/step/menu/",
                 "/callback/voice/silence/menu/", "/callback/voice/status/"):
        response = _post(path, {"CallSid": sid, "From": HIS, "Digits": "1",
                                "CallStatus": "completed"})

        assert response.status_code == 400
    assert not VoiceCall.objects.exists()
    assert not CallbackRequest.objects.exists()
    assert _recorded("malformed_payload") == 4
    assert {e.detail["reason"] for e in SecurityEvent.objects.all()} == {"call sid"}
