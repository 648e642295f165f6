"""Texts the hub sends a victim by itself (a delay, a marker set, extended or ending).

This is the one place they go out, so the victim's safe-contact plan (which channel, which
hours) can be applied here once it exists. For now: the channel they last used with us.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from contact_hub.conversations.models import Message
from contact_hub.conversations.services import message_send
from contact_hub.people.models import Person


def notice_text(name: str, **values: Any) -> str:
    """A notice's neutral words, from the force file."""
    return settings.HUB_NOTICES[name].format(**values)


def victim_notice_send(person: Person | None, body: str) -> Message | None:
    """Queue a neutral text to the person on their safe channel; None if there is none."""
    if person is None:
        return None
    conversation = (person.conversations.filter(last_message_at__isnull=False)
                    .order_by("-last_message_at").first())
    if conversation is None:
        return None
    return message_send(conversation=conversation, body=body, actor=None)
