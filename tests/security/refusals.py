"""What every refusal must show: its status, nothing stored, and its security event."""

from __future__ import annotations

from contact_hub.conversations.models import Message
from contact_hub.people.models import Identity, Person
from contact_hub.staff.models import SecurityEvent


def stored() -> tuple[int, int, int]:
    """How many messages, identities and people the hub holds."""
    return Message.objects.count(), Identity.objects.count(), Person.objects.count()


def refused(response, status: int, kind: str, before: tuple[int, int, int]) -> SecurityEvent:
    """The response has `status`, nothing new is stored, and the one event is of `kind`."""
    assert response.status_code == status
    assert stored() == before
    event = SecurityEvent.objects.get()
    assert event.kind == kind
    return event
