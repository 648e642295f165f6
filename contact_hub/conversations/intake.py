"""The one intake function every channel adapter calls with a normalised inbound message."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction

from contact_hub.conversations.models import (
    CHANNEL_IDENTITY_KIND,
    Conversation,
    DeliveryStatus,
    Message,
)
from contact_hub.conversations.tasks import messages_received
from contact_hub.followups.services import followup_queue
from contact_hub.people.identifiers import phone_parse
from contact_hub.people.models import Identity, Person


@dataclass(frozen=True)
class MediaRef:
    url: str
    content_type: str = ""


@dataclass(frozen=True)
class InboundMessage:
    """What every adapter turns a provider's payload into."""

    channel: str
    provider: str
    provider_message_id: str
    sender: str
    text: str = ""
    media: tuple[MediaRef, ...] = field(default_factory=tuple)
    received_at: datetime | None = None


@dataclass(frozen=True)
class IntakeResult:
    message: Message
    created: bool


def message_intake(inbound: InboundMessage) -> IntakeResult:
    """Store the message once, however often it is delivered, and queue its follow-up work.

    Raises InvalidIdentifier if a phone channel's sender is not a possible number.
    """
    kind = CHANNEL_IDENTITY_KIND[inbound.channel]
    value = phone_parse(inbound.sender) if kind == Identity.Kind.PHONE else inbound.sender
    try:
        with transaction.atomic():
            return IntakeResult(_store(inbound, kind, value), created=True)
    except IntegrityError:
        # The same provider id was stored before, or by a concurrent delivery that committed
        # first: the unique key makes every repeat harmless.
        existing = Message.objects.filter(
            provider=inbound.provider, provider_message_id=inbound.provider_message_id).first()
        if existing is None:
            raise
        return IntakeResult(existing, created=False)


def _store(inbound: InboundMessage, kind: str, value: str) -> Message:
    conversation = (Conversation.objects.select_related("identity")
                    .filter(identity__kind=kind, identity__value=value, channel=inbound.channel)
                    .first())
    if conversation is None:
        conversation = conversation_open_for(identity_for(kind, value), inbound.channel)
    message = Message.objects.create(
        conversation=conversation,
        direction=Message.Direction.INBOUND,
        channel=inbound.channel,
        provider=inbound.provider,
        provider_message_id=inbound.provider_message_id,
        text=inbound.text,
        media=[{"url": m.url, "content_type": m.content_type} for m in inbound.media],
        status=DeliveryStatus.RECEIVED,
    )
    followup_queue(messages_received, message_id=message.pk)
    return message


def conversation_open_for(identity: Identity, channel: str) -> Conversation:
    """The conversation with this identity on this channel, started if there is none yet."""
    conversation, _ = Conversation.objects.get_or_create(
        identity=identity, channel=channel, defaults={"person_id": identity.person_id})
    return conversation


def identity_for(kind: str, value: str) -> Identity:
    """The identity, with a new person behind it if nobody has used it before."""
    identity = Identity.objects.filter(kind=kind, value=value).first()
    if identity is not None:
        return identity
    try:
        with transaction.atomic():
            person = Person.objects.create()
            return Identity.objects.create(person=person, kind=kind, value=value)
    except IntegrityError:
        return Identity.objects.get(kind=kind, value=value)
