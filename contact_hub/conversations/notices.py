"""Texts the hub sends a victim by itself (a delay, a marker set, extended or ending).

This is the one place they go out, so the victim's safe-contact plan is applied in one place:
only channels the plan allows, the one the person last wrote on first, and outside the plan's
hours the text is held for a coordinator (message_send does that) rather than sent.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from contact_hub.conversations.models import Message
from contact_hub.conversations.reply import reply_send
from contact_hub.conversations.selectors import reply_channels
from contact_hub.conversations.services import MessageRefused
from contact_hub.people.models import Person, SafeContactPlan


def notice_text(name: str, **values: Any) -> str:
    """A notice's neutral words, from the force file."""
    return settings.HUB_NOTICES[name].format(**values)


def victim_notice_send(person: Person | None, body: str) -> Message | None:
    """Queue a neutral text on the person's safest channel; None if no channel can carry it."""
    if person is None:
        return None
    for channel in safe_channels(person):
        try:
            return reply_send(person=person, channel=channel, body=body, actor=None)
        except MessageRefused:
            continue  # opted out, outside a provider's window, not set up: try the next
    return None


def safe_channels(person: Person) -> list[str]:
    plan = SafeContactPlan.objects.filter(person=person).first()
    channels = reply_channels(person)
    if plan is not None and plan.channels:
        channels = [c for c in channels if c in plan.channels]
    return channels
