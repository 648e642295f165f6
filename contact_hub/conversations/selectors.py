"""Reads of contacts that several pages share."""

from __future__ import annotations

from django.db.models import QuerySet

from contact_hub.conversations.models import Message
from contact_hub.people.models import Person


def person_thread(person: Person, limit: int = 200) -> QuerySet[Message]:
    """One thread of every message with the person, on every channel, newest first."""
    return (
        Message.objects.filter(conversation__person=person)
        .select_related("conversation__identity", "sent_by")
        .order_by("-created_at")[:limit]
    )
