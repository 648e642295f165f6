"""The one intake function every channel adapter calls with a normalised inbound message."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from contact_hub.conversations.models import (
    CHANNEL_IDENTITY_KIND,
    Conversation,
    DeliveryStatus,
    Message,
)
from contact_hub.conversations.tasks import message_received
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
    existing = _existing(inbound)
    if existing is not None:
        return IntakeResult(existing, created=False)
    kind = CHANNEL_IDENTITY_KIND[inbound.channel]
    value = phone_parse(inbound.sender) if kind == Identity.Kind.PHONE else inbound.sender
    try:
        with transaction.atomic():
            return IntakeResult(_store(inbound, kind, value), created=True)
    except IntegrityError:
        # A concurrent delivery of the same provider id committed first.
        existing = _existing(inbound)
        if existing is None:
            raise
        return IntakeResult(existing, created=False)


def _existing(inbound: InboundMessage) -> Message | None:
    return Message.objects.filter(
        provider=inbound.provider, provider_message_id=inbound.provider_message_id
    ).first()


def _store(inbound: InboundMessage, kind: str, value: str) -> Message:
    now = timezone.now()
    identity = identity_for(kind, value)
    conversation, _ = Conversation.objects.get_or_create(
        identity=identity, channel=inbound.channel, defaults={"person_id": identity.person_id}
    )
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
    Conversation.objects.filter(pk=conversation.pk).update(last_message_at=now)
    Person.objects.filter(pk=identity.person_id).update(last_contact_at=now)
    followup_queue(message_received, message_id=message.pk)
    return message


def identity_for(kind: str, value: str) -> Identity:
    """The identity for this number or platform id, with a new person if it is the first
    contact; safe when two first contacts from one number arrive at once."""
    identity = Identity.objects.filter(kind=kind, value=value).first()
    if identity is not None:
        return identity
    try:
        with transaction.atomic():
            person = Person.objects.create()
            return Identity.objects.create(person=person, kind=kind, value=value)
    except IntegrityError:
        return Identity.objects.get(kind=kind, value=value)
