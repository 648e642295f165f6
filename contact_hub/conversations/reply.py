"""Replying to a person on a channel of the coordinator's choice."""

from __future__ import annotations

from contact_hub.conversations.models import Conversation, Message, MessageTemplate
from contact_hub.conversations.selectors import IDENTITY_CHANNELS
from contact_hub.conversations.services import MessageRefused, conversation_open, message_send
from contact_hub.people.models import Person
from contact_hub.staff.models import StaffUser


def reply_conversation(person: Person, channel: str) -> Conversation:
    """The person's conversation on `channel`, started if needed; refused if no identity of
    theirs is reachable on it."""
    identity = next((i for i in person.identities.all()
                     if channel in IDENTITY_CHANNELS[i.kind]), None)
    if identity is None:
        raise MessageRefused("This person cannot be reached on that channel.")
    return conversation_open(identity=identity, channel=channel)


def reply_send(*, person: Person, channel: str, body: str, actor: StaffUser | None,
               template: MessageTemplate | None = None) -> Message:
    return message_send(conversation=reply_conversation(person, channel), body=body,
                        actor=actor, template=template)
