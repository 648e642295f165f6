"""The public entries that answer someone at once, the web form and the 101 menu, act only
afterwards, in a follow-up.

Whoever fills in the form or keys in a number may be an abuser checking whether she asked for
a callback. If the answer waited on the merge, a number that already has a request would take
a different path (a locked update, a held change, no new person, no confirmation text) and a
different time. So the answer is built from what was just submitted, the only work done before
it is one insert, the same for every number, and the merge runs in a worker. (Embedded, with
no broker, follow-ups run in-process after commit, so there the page still waits on them.)
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from callback.models import VoiceCall, WebFormAsk
from callback.numbers import NumberRefused
from callback.services import CallbackAsk, CallbackFlood, callback_request_create
from contact_hub.followups.services import followup_queue, followup_task


def callback_web_ask_queue(*, number: str, window: str, voicemail_ok: bool, texts_ok: bool,
                           source_ip: str | None) -> None:
    """Hold the form's request for the follow-up. The number was checked by the form; nothing
    about it is looked up here."""
    with transaction.atomic():
        ask = WebFormAsk.objects.create(number=number, window=window, voicemail_ok=voicemail_ok,
                                        texts_ok=texts_ok, source_ip=source_ip or None,
                                        created_at=timezone.now())
        followup_queue(callback_web_ask_take, web_form_ask_id=ask.pk)


@followup_task
def callback_web_ask_take(web_form_ask_id: int) -> None:
    """Act on one form request, once: the row is deleted in the same transaction, so a second
    run finds nothing, and the number does not stay behind in it."""
    with transaction.atomic():
        ask = WebFormAsk.objects.select_for_update().filter(pk=web_form_ask_id).first()
        if ask is None:
            return
        ask.delete()
        _take(CallbackAsk(source="web", number=ask.number, window=ask.window,
                          voicemail_ok=ask.voicemail_ok, texts_ok=ask.texts_ok,
                          source_ip=ask.source_ip))


def callback_voice_ask_queue(call: VoiceCall) -> None:
    """The caller has made every choice in the menu; the request is made after the answer."""
    followup_queue(callback_voice_ask_take, voice_call_id=call.pk)


@followup_task
def callback_voice_ask_take(voice_call_id: int) -> None:
    """Idempotent through the call's CallSid, which the entry keeps."""
    call = (VoiceCall.objects.select_related("callback_to")
            .filter(pk=voice_call_id, stage=VoiceCall.Stage.DONE).first())
    if call is None or call.callback_to is None:
        return
    _take(CallbackAsk(source="voice", number=call.callback_to.value, window=call.window,
                      voicemail_ok=call.voicemail_ok, texts_ok=call.texts_ok,
                      call_sid=call.call_sid))


def _take(ask: CallbackAsk) -> None:
    try:
        callback_request_create(ask=ask)
    except (NumberRefused, CallbackFlood):
        # Whoever asked has had the same answer as everyone; the service recorded the flood.
        # A refused number was refused by the entry already, unless policy changed since.
        return
