"""The 101 line's callback menu, one step per Twilio webhook, and the TwiML for calls placed to
callers. The menu's progress lives in a VoiceCall row, so a caller who goes silent or hangs up
part-way is passed to a coordinator instead of being dropped.

Prompts are neutral and never read out the whole number: someone else may be listening.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from callback.attempts import (
    answered_by_machine,
    call_status_advance,
    callback_attempt_record,
    provider_result,
)
from callback.entries import callback_voice_ask_queue
from callback.models import CallbackAttempt, CallbackRequest, VoiceCall
from callback.numbers import NumberRefused, callback_number_check, caller_withheld
from callback.services import callback_welfare_create
from callback.windows import ANY_TIME, WINDOW_BY_KEY, WINDOWS
from contact_hub.conversations.intake import identity_for
from contact_hub.people.identifiers import InvalidIdentifier, phone_parse
from contact_hub.people.models import Identity
from contact_hub.sms.twilio import VoiceResponse
from contact_hub.staff.audit import security_event_record
from contact_hub.staff.models import StaffUser

Stage = VoiceCall.Stage
LANGUAGE = "en-GB"
SILENCES_BEFORE_WELFARE = 2
REFUSED_NUMBERS_BEFORE_HOLD = 2
FINAL_STAGES = {"completed", "busy", "failed", "no-answer", "canceled"}


def voice_call_start(*, call_sid: str, caller: str) -> VoiceResponse:
    """A call to the 101 line: offer a callback, otherwise keep the caller queued."""
    call = VoiceCall.objects.filter(call_sid=call_sid).first()
    if call is None:
        call, _ = VoiceCall.objects.get_or_create(
            call_sid=call_sid, defaults={"caller": _caller_identity(caller)})
    return _ask(call)


def _caller_identity(raw: str) -> Identity | None:
    if caller_withheld(raw):
        return None
    try:
        return identity_for(Identity.Kind.PHONE, phone_parse(raw))
    except InvalidIdentifier:
        return None


def voice_step(*, call_sid: str, stage: str, digits: str = "", speech: str = "") -> VoiceResponse:
    """The caller answered the prompt for `stage`. An answer to a prompt that is no longer
    current (a retried or replayed webhook) just repeats the current prompt."""
    call = VoiceCall.objects.filter(call_sid=call_sid).first()
    if call is None:
        return _hold_response()
    if stage != call.stage:
        return _ask(call)
    step = STEPS.get(call.stage)
    if step is None:
        return _ask(call)
    return step(call, digits.strip(), speech.strip().lower())


def voice_silence(*, call_sid: str, stage: str) -> VoiceResponse:
    """The caller neither pressed nor said anything. Ask once more; a second silence may be
    someone who cannot speak, so a coordinator is asked to check on them, and they stay
    queued for an operator."""
    call = VoiceCall.objects.filter(call_sid=call_sid).first()
    if call is None:
        return _hold_response()
    if stage != call.stage or not call.in_menu:
        return _ask(call)
    call.silences += 1
    if call.silences < SILENCES_BEFORE_WELFARE:
        call.save(update_fields=["silences"])
        return _ask(call, again=True)
    with transaction.atomic():
        _advance(call, Stage.WELFARE)
        callback_welfare_create(call_sid=call.call_sid, caller=call.caller,
                                flag=CallbackRequest.Flag.SILENT_CALL)
    return _hold_response()


def voice_call_ended(*, call_sid: str, status: str) -> None:
    """Twilio's status callback for a call to the 101 line. A hang-up in the middle of the
    menu is not dropped: a coordinator gets a welfare item."""
    if status not in FINAL_STAGES:
        return
    with transaction.atomic():
        call = VoiceCall.objects.select_for_update().filter(call_sid=call_sid).first()
        if call is None or call.ended_at is not None:
            return
        call.ended_at = timezone.now()
        if not call.in_menu:
            call.save(update_fields=["ended_at"])
            return
        _advance(call, Stage.WELFARE)
        callback_welfare_create(call_sid=call.call_sid, caller=call.caller,
                                flag=CallbackRequest.Flag.HUNG_UP)


def _menu(call: VoiceCall, digits: str, speech: str) -> VoiceResponse:
    if digits == "1" or "call" in speech:
        return _callback_start(call)
    return _hold(call)


def _callback_start(call: VoiceCall) -> VoiceResponse:
    if call.caller is None:
        _advance(call, Stage.HOLDING)
        response = _say(VoiceResponse(), "Your number is withheld, so we can't call you back. "
                                          "Please stay on the line and we'll answer as soon as "
                                          "we can.")
        response.enqueue(settings.HUB_CALLBACK_HOLD_QUEUE)
        return response
    try:
        callback_number_check(call.caller.value)
    except NumberRefused as refusal:
        _advance(call, Stage.KEYED)
        return _ask(call, before=str(refusal))
    _advance(call, Stage.NUMBER)
    return _ask(call)


def _number(call: VoiceCall, digits: str, speech: str) -> VoiceResponse:
    if digits == "1":
        call.callback_to = call.caller
        _advance(call, Stage.WINDOW)
    elif digits == "2":
        _advance(call, Stage.KEYED)
    return _ask(call)


def _keyed(call: VoiceCall, digits: str, speech: str) -> VoiceResponse:
    try:
        number = callback_number_check(digits)
    except NumberRefused as refusal:
        security_event_record("callback_number_refused", detail={"source": "voice"})
        call.refused_numbers += 1
        if call.refused_numbers >= REFUSED_NUMBERS_BEFORE_HOLD:
            return _hold(call, before=str(refusal))
        call.save(update_fields=["refused_numbers"])
        return _ask(call, before=str(refusal))
    call.callback_to = identity_for(Identity.Kind.PHONE, number)
    _advance(call, Stage.WINDOW)
    return _ask(call)


def _window(call: VoiceCall, digits: str, speech: str) -> VoiceResponse:
    if digits == "0" or digits in WINDOW_BY_KEY:
        call.window = WINDOW_BY_KEY.get(digits, "any")
        _advance(call, Stage.VOICEMAIL)
    return _ask(call)


def _voicemail(call: VoiceCall, digits: str, speech: str) -> VoiceResponse:
    if digits in ("1", "2"):
        call.voicemail_ok = digits == "1"
        _advance(call, Stage.TEXTS)
    return _ask(call)


def _texts(call: VoiceCall, digits: str, speech: str) -> VoiceResponse:
    """The last choice. The caller may be someone checking whether the number asked before
    (caller ID is easy to spoof, and anyone can key in her number), so the answer is the same
    whatever the queue holds for the number, and the request is made only afterwards."""
    if digits not in ("1", "2"):
        return _ask(call)
    call.texts_ok = digits == "1"
    with transaction.atomic():
        _advance(call, Stage.DONE)
        callback_voice_ask_queue(call)
    response = _say(VoiceResponse(), _asked_words(call))
    response.hangup()
    return response


STEPS: dict[str, Callable[[VoiceCall, str, str], VoiceResponse]] = {
    Stage.MENU: _menu, Stage.NUMBER: _number, Stage.KEYED: _keyed, Stage.WINDOW: _window,
    Stage.VOICEMAIL: _voicemail, Stage.TEXTS: _texts}


def _asked_words(call: VoiceCall) -> str:
    """Only what the caller has just chosen: never a place, a wait or an earlier choice."""
    window = WINDOWS.get(call.window, ANY_TIME)
    when = "" if window.start is None else (
        f" You asked for a call between {window.start:%H:%M} and {window.end:%H:%M}.")
    return (f"Thank you. We'll call you back as soon as we can.{when} If you have asked "
            "before, you keep your place in the queue. You can hang up now.")


def _hold(call: VoiceCall, *, before: str = "") -> VoiceResponse:
    _advance(call, Stage.HOLDING)
    return _hold_response(before)


def _hold_response(before: str = "") -> VoiceResponse:
    response = VoiceResponse()
    _say(response, f"{before} Please stay on the line and we'll answer as soon as we can.")
    response.enqueue(settings.HUB_CALLBACK_HOLD_QUEUE)
    return response


def _advance(call: VoiceCall, stage: str) -> None:
    call.stage, call.silences = stage, 0
    call.save()


def _ask(call: VoiceCall, *, again: bool = False, before: str = "") -> VoiceResponse:
    """The prompt for the call's current stage, with a fallback if the caller stays silent."""
    response = VoiceResponse()
    if not call.in_menu:
        return _hold_response() if call.stage != Stage.DONE else _goodbye()
    prompt, digits = PROMPTS[call.stage](call)
    gather = response.gather(
        input="dtmf speech" if call.stage == Stage.MENU else "dtmf", num_digits=digits,
        finish_on_key="#", timeout=10 if call.stage == Stage.KEYED else 6,
        action=reverse("callback:voice_step", args=[call.stage]), method="POST",
        language=LANGUAGE, hints="call back, hold" if call.stage == Stage.MENU else None,
        action_on_empty_result=False)
    lead = "Sorry, we didn't hear anything. " if again else ""
    _say(gather, f"{before} {lead}{prompt}".strip())
    response.redirect(reverse("callback:voice_silence", args=[call.stage]), method="POST")
    return response


def _goodbye() -> VoiceResponse:
    response = _say(VoiceResponse(), "Thank you. Goodbye.")
    response.hangup()
    return response


def _ending(identity: Identity | None) -> str:
    return ", ".join(identity.value[-3:]) if identity else ""


PROMPTS: dict[str, Callable[[VoiceCall], tuple[str, int]]] = {
    Stage.MENU: lambda call: (
        "Thank you for calling. All our call handlers are busy. If you'd like us to call you "
        "back instead of waiting, keeping your place in the queue, press 1 or say call back. "
        "To hold, press 2 or stay on the line.", 1),
    Stage.NUMBER: lambda call: (
        f"We'll call you back on the number you're calling from, ending {_ending(call.caller)}. "
        "Press 1 to use this number, or press 2 to key in a different number.", 1),
    Stage.KEYED: lambda call: (
        "Please key in the number we should call, then press the hash key.", 15),
    Stage.WINDOW: lambda call: (
        "If there's a time when it's safe for us to call, press 1 for mornings, 2 for "
        "afternoons, or 3 for evenings. Press 0 if any time is fine.", 1),
    Stage.VOICEMAIL: lambda call: (
        "If we can't reach you, may we leave a short voicemail that doesn't say who we are? "
        "Press 1 for yes, or 2 for no.", 1),
    Stage.TEXTS: lambda call: (
        "May we send you a text to confirm your place in the queue? Press 1 for yes, or 2 for "
        "no.", 1),
}


def _say(target: VoiceResponse, words: str) -> VoiceResponse:
    target.say(" ".join(words.split()), language=LANGUAGE)
    return target


def voice_attempt_answer(*, attempt_id: int, answered_by: str = "") -> VoiceResponse:
    """The caller's phone picked up a call we placed. A person is connected to the handler
    (who never sees the number); a machine gets a neutral message only if the caller allowed
    voicemail, otherwise nothing."""
    response = VoiceResponse()
    attempt = CallbackAttempt.objects.select_related("request").filter(pk=attempt_id).first()
    if attempt is None or attempt.request.status != CallbackRequest.Status.CALLING:
        _say(response, "Sorry, we can't connect this call. Goodbye.")
        response.hangup()
        return response
    CallbackAttempt.objects.filter(pk=attempt.pk, answered_by="").update(
        answered_by=answered_by[:24])
    if answered_by_machine(answered_by):
        callback_attempt_record(attempt=attempt, result=CallbackAttempt.Result.VOICEMAIL,
                                source="provider")
        if attempt.request.voicemail_ok:
            _say(response, "Hello, this is a message about the call back you asked for. We'll "
                           "try again later. Goodbye.")
        response.hangup()
        return response
    callback_attempt_record(attempt=attempt, result=CallbackAttempt.Result.ANSWERED,
                            source="provider")
    _say(response, "Hello, please hold while we connect your call.")
    # The handler's line shows the hub's number, never the caller's.
    dial = response.dial(timeout=30, answer_on_bridge=True)
    desk_phone = StaffUser.objects.filter(pk=attempt.handler_id).values_list(
        "desk_phone", flat=True).first()
    if desk_phone:
        dial.number(desk_phone)
    else:
        dial.client(handler_client_identity(attempt.handler_id))
    return response


def handler_client_identity(handler_id: int) -> str:
    """The handler's softphone, registered with Twilio Client under this identity."""
    return f"staff-{handler_id}"


def voice_attempt_status(*, attempt_id: int, call_sid: str, status: str,
                         answered_by: str = "") -> None:
    """Twilio's progress report on a call we placed. Reports may arrive late, twice or out of
    order: the status only moves forward and the first result recorded stands."""
    attempt = CallbackAttempt.objects.filter(pk=attempt_id).first()
    if attempt is None or (attempt.call_sid and attempt.call_sid != call_sid):
        return
    if not attempt.call_sid:
        CallbackAttempt.objects.filter(pk=attempt.pk, call_sid__isnull=True).update(
            call_sid=call_sid)
    call_status_advance(attempt, status)
    result = provider_result(status, answered_by or attempt.answered_by)
    if result is not None:
        callback_attempt_record(attempt=attempt, result=result, source="provider")
