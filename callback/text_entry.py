"""The text entry to the callback queue: a text that says just CALLBACK (optionally with a safe
time, e.g. 'CALLBACK EVENING') puts the sender in the queue. A received-message hook
(HUB_MESSAGES_RECEIVED_HOOKS)."""

from __future__ import annotations

from django.conf import settings

from callback.numbers import NumberRefused
from callback.services import CallbackAsk, CallbackFlood, callback_request_create
from callback.windows import WINDOWS
from contact_hub.conversations.models import Channel, Message
from contact_hub.staff.audit import security_event_record


def keyword_window(text: str) -> str | None:
    """The safe window a keyword text names ('any' if none); None if it is not a keyword."""
    words = " ".join(text.upper().split())
    for keyword in settings.HUB_CALLBACK_KEYWORDS:
        keyword = " ".join(keyword.upper().split())
        if words == keyword:
            return "any"
        rest = words.removeprefix(keyword + " ")
        if rest != words and rest.lower() in WINDOWS:
            return rest.lower()
    return None


def callback_keywords_check(message_ids: list[int]) -> None:
    """Run for every batch of stored inbound messages; acts only on an SMS that is the keyword.

    A number policy refusal or a flood is left alone here: the text itself is already in the
    contacts list for a coordinator, and both are recorded as security events. The sender can
    be spoofed, so on a request that exists the text only makes contact safer (the service
    holds anything else for the handler to confirm on the call)."""
    texts = (Message.objects.filter(pk__in=message_ids, direction=Message.Direction.INBOUND,
                                    channel=Channel.SMS)
             .values_list("pk", "text", "conversation__identity__value"))
    for message_id, text, number in texts:
        window = keyword_window(text)
        if window is None:
            continue
        try:
            # The service checks the number against policy; they chose to text us from it, so
            # a text back is expected.
            callback_request_create(ask=CallbackAsk(
                source="text", number=number, window=window, texts_ok=True,
                message_id=message_id))
        except NumberRefused:
            security_event_record("callback_number_refused", detail={"source": "text"})
        except CallbackFlood:
            pass  # the service records a flood, once per flood
