"""Opt-out keywords: a person who texts STOP gets no more texts until they text START.

Applied to each stored text by a received-message hook (HUB_MESSAGES_RECEIVED_HOOKS).
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from contact_hub.conversations.models import Channel, Message
from contact_hub.people.models import Identity

# The standard keywords carriers and Twilio honour for opting out and back in.
OPT_OUT = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"}
# Not YES: it is an everyday reply ("YES" to "is now a good time?"), and turning texts back on
# must take a word meant for it.
OPT_IN = {"START", "UNSTOP", "OPTIN"}


def _keyword(text: str) -> str | None:
    """The keyword, if the whole text is one."""
    word = text.strip().upper().rstrip(".!")
    return word if word in OPT_OUT or word in OPT_IN else None


def opt_out_keywords_apply(message_ids: list[int]) -> None:
    """The received-message hook: a text that is a keyword sets whether its sender may be texted.

    A hook can see a message again (a retried batch) and batches can finish out of order, so a
    keyword counts only while it is its sender's newest: an older STOP never undoes a later
    START, and applying one twice changes nothing."""
    for identity_id, (message_id, word, sent_at) in _newest_keywords(message_ids).items():
        if not _newer_keyword(identity_id, message_id):
            _opt_set(identity_id, opted_out=word in OPT_OUT, at=sent_at)


def _inbound_texts() -> QuerySet[Message]:
    return Message.objects.filter(direction=Message.Direction.INBOUND, channel=Channel.SMS)


def _newest_keywords(message_ids: list[int]) -> dict[int, tuple[int, str, datetime]]:
    newest: dict[int, tuple[int, str, datetime]] = {}
    texts = (_inbound_texts().filter(pk__in=message_ids).order_by("pk")
             .values_list("pk", "text", "created_at", "conversation__identity_id"))
    for message_id, text, sent_at, identity_id in texts:
        word = _keyword(text)
        if word is not None:
            newest[identity_id] = (message_id, word, sent_at)
    return newest


def _newer_keyword(identity_id: int, message_id: int) -> bool:
    later = _inbound_texts().filter(conversation__identity_id=identity_id, pk__gt=message_id)
    return any(_keyword(text) for text in later.values_list("text", flat=True))


def _opt_set(identity_id: int, *, opted_out: bool, at: datetime) -> None:
    identities = Identity.objects.filter(pk=identity_id)
    if opted_out:
        # Opted out since the first STOP: a repeat keeps that time.
        identities.filter(opted_out_at__isnull=True).update(opted_out_at=at)
    else:
        identities.update(opted_out_at=None)
