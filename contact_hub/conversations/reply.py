"""Replying to a person on a channel of the coordinator's choice."""

from __future__ import annotations

from contact_hub.conversations.models import Message, MessageTemplate
from contact_hub.conversations.selectors import IDENTITY_CHANNELS
from contact_hub.conversations.services import MessageRefused, conversation_open, message_send
from contact_hub.people.models import Person
from contact_hub.staff.models import StaffUser


def reply_send(*, person: Person, channel: str, body: str, actor: StaffUser | None,
               template: MessageTemplate | None = None) -> Message:
    identity = next((i for i in person.identities.all()
                     if channel in IDENTITY_CHANNELS[i.kind]), None)
    if identity is None:
        raise MessageRefused("This person cannot be reached on that channel.")
    conversation = conversation_open(identity=identity, channel=channel)
    return message_send(conversation=conversation, body=body, actor=actor, template=template)
