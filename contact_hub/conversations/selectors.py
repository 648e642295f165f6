"""Reads of contacts that several pages share."""

from __future__ import annotations

from django.db.models import QuerySet

from contact_hub.conversations.models import CHANNEL_IDENTITY_KIND, TEXT_CHANNELS, Message
from contact_hub.conversations.visibility import messages_visible_to
from contact_hub.people.models import Identity, Person
from contact_hub.staff.models import StaffUser


def person_thread(person: Person, *, viewer: StaffUser, limit: int = 200) -> QuerySet[Message]:
    """One thread of every message with the person the viewer may see, on every channel,
    newest first."""
    return (
        messages_visible_to(Message.objects.filter(conversation__person=person), viewer)
        .select_related("conversation__identity", "sent_by")
        .order_by("-created_at")[:limit]
    )


# The channels each kind of identity can be reached on, in the order replies are offered.
IDENTITY_CHANNELS: dict[str, list[str]] = {
    kind: [c.value for c in TEXT_CHANNELS if CHANNEL_IDENTITY_KIND[c] == kind]
    for kind in Identity.Kind
}


def reply_channels(person: Person) -> list[str]:
    """Channels a reply could go on, the one the person last wrote on first."""
    last = (Message.objects.filter(conversation__person=person,
                                   direction=Message.Direction.INBOUND)
            .order_by("-created_at").values_list("channel", flat=True).first())
    channels = [channel for identity in person.identities.all()
                for channel in IDENTITY_CHANNELS[identity.kind]]
    if last in channels:
        channels.remove(last)
        channels.insert(0, last)
    return channels
