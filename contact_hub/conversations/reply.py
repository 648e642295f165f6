"""Replying to a person: on a channel of the coordinator's choice, or on the safest one."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from contact_hub.conversations.conduct import conduct_matches, contact_after_assignment_flag
from contact_hub.conversations.models import Conversation, Message, MessageTemplate
from contact_hub.conversations.policy import send_refusal
from contact_hub.conversations.selectors import IDENTITY_CHANNELS, reply_channels
from contact_hub.conversations.services import MessageRefused, conversation_open, message_send
from contact_hub.people.models import Person
from contact_hub.people.safe_contact import safe_contact_refusal
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
    """Send what a member of staff wrote. Words that cross a professional boundary hold it for
    a supervisor (templates too: one an administrator wrote badly is no safer for being
    approved); writing to someone whose case they no longer work is flagged to professional
    standards."""
    conversation = reply_conversation(person, channel)
    matches = conduct_matches(body) if actor is not None else []
    with transaction.atomic():
        message = message_send(conversation=conversation, body=body, actor=actor,
                               template=template, conduct=matches)
        if actor is not None:
            contact_after_assignment_flag(actor=actor, person_id=person.pk,
                                          what="text to the person")
    return message


def channel_choices(person: Person, *, now: datetime, any_hour: bool = False
                    ) -> list[tuple[str, str]]:
    """Each channel a reply could go on, the one the person last wrote on first, with why the
    safe-contact plan rules it out now ('' where it does not)."""
    return [(channel, safe_contact_refusal(person, channel, now=now, any_hour=any_hour) or "")
            for channel in reply_channels(person)]


def safest_conversation(person: Person, *, now: datetime, channel: str = "",
                        any_hour: bool = False) -> Conversation:
    """The conversation to send on: the chosen channel, or the first one the plan allows that
    can carry a text now; refused with every reason if none can. `any_hour` is for a text that
    may wait for the plan's safe hours (message_send holds it until then)."""
    reasons = []
    for candidate, refusal in channel_choices(person, now=now, any_hour=any_hour):
        if channel and candidate != channel:
            continue
        if refusal:
            reasons.append(refusal)
            continue
        conversation = reply_conversation(person, candidate)
        send_refused = send_refusal(conversation, None, now=now)
        if send_refused is None:
            return conversation
        reasons.append(send_refused)
    raise MessageRefused(" ".join(reasons) or "The person has no channel a text can be sent on.")
