"""Simulated callback traffic for the demo: 101 calls through the same menu steps the Twilio
webhooks run, web-form requests and text keywords through the same services, so the queue
fills as it would on a real line."""

from __future__ import annotations

import itertools
import logging
import threading
import time
import uuid
from collections.abc import Callable

from django.db import close_old_connections

from callback.entries import callback_web_ask_queue
from callback.numbers import callback_number_check
from callback.voice import voice_call_ended, voice_call_start, voice_silence, voice_step
from contact_hub.conversations.intake import InboundMessage, message_intake

log = logging.getLogger(__name__)


def _call_sid() -> str:
    return f"CA{uuid.uuid4().hex}"


def callback_by_phone(caller: str, window_key: str = "3") -> None:
    """A caller presses 1 for a callback, keeps their number, picks a safe time, no voicemail,
    yes to a confirmation text."""
    sid = _call_sid()
    voice_call_start(call_sid=sid, caller=caller)
    for stage, digits in (("menu", "1"), ("number", "1"), ("window", window_key),
                          ("voicemail", "2"), ("texts", "1")):
        voice_step(call_sid=sid, stage=stage, digits=digits)


def silent_call(caller: str) -> None:
    sid = _call_sid()
    voice_call_start(call_sid=sid, caller=caller)
    voice_silence(call_sid=sid, stage="menu")
    voice_silence(call_sid=sid, stage="menu")


def hang_up_in_menu(caller: str) -> None:
    sid = _call_sid()
    voice_call_start(call_sid=sid, caller=caller)
    voice_call_ended(call_sid=sid, status="completed")


def callback_by_web(number: str) -> None:
    callback_web_ask_queue(number=callback_number_check(number), window="any",
                           voicemail_ok=True, texts_ok=False, source_ip=None)


def callback_by_text(number: str) -> None:
    message_intake(InboundMessage(channel="sms", provider="twilio",
                                  provider_message_id=f"SMdemo{uuid.uuid4().hex}",
                                  sender=number, text="CALLBACK"))


# Numbers from Ofcom's drama range, so they reach nobody.
SCRIPT: list[Callable[[], None]] = [
    lambda: callback_by_phone("+447700900201"),
    lambda: callback_by_web("07700 900202"),
    lambda: silent_call("+447700900203"),
    lambda: callback_by_phone("+447700900204", window_key="0"),
    lambda: callback_by_text("07700900205"),
    lambda: hang_up_in_menu("+447700900206"),
    lambda: callback_by_web("07700 900201"),  # the first caller again: keeps place, change held
]


class CallbackTrafficPlayer(threading.Thread):
    """Plays the callback script on a loop, one scene every `interval` seconds."""

    def __init__(self, interval: float) -> None:
        super().__init__(name="demo-callback-traffic", daemon=True)
        self.interval = interval

    def run(self) -> None:
        for scene in itertools.cycle(SCRIPT):
            time.sleep(self.interval)
            close_old_connections()
            try:
                scene()
            except Exception:
                log.exception("demo callback traffic: scene failed")
