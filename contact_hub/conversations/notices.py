"""Texts the hub sends a victim by itself (a delay, a marker set, extended or ending).

This is the one place they go out, so the victim's safe-contact plan is applied in one place:
only channels the plan allows, the one the person last wrote on first, and outside the plan's
hours the text is held for a coordinator (message_send does that) rather than sent.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone

from contact_hub.conversations.models import Message
from contact_hub.conversations.reply import safest_conversation
from contact_hub.conversations.services import MessageRefused, message_send
from contact_hub.people.models import Person


def notice_text(name: str, **values: Any) -> str:
    """A notice's neutral words, from the force file."""
    return settings.HUB_NOTICES[name].format(**values)


def victim_notice_send(person: Person | None, body: str) -> Message | None:
    """Queue a neutral text on the person's safest channel; None if no channel can carry it."""
    if person is None:
        return None
    now = timezone.now()
    try:
        conversation = safest_conversation(person, now=now, any_hour=True)
        return message_send(conversation=conversation, body=body, actor=None, now=now)
    except MessageRefused:
        return None
