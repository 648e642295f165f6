"""Reads of contacts that several pages share."""

from __future__ import annotations

from django.db.models import QuerySet

from contact_hub.conversations.models import Message
from contact_hub.people.models import Person


def contacts_recent(limit: int = 50) -> QuerySet[Message]:
    """The newest inbound messages, with what the list shows of their sender."""
    return (
        Message.objects.filter(direction=Message.Direction.INBOUND)
        .select_related("conversation__identity", "conversation__person")
        .order_by("-created_at")[:limit]
    )


def person_thread(person: Person, limit: int = 200) -> QuerySet[Message]:
    """One thread of every message with the person, on every channel, newest first."""
    return (
        Message.objects.filter(conversation__person=person)
        .select_related("conversation__identity", "sent_by")
        .order_by("-created_at")[:limit]
    )
