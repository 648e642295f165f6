"""State changes on conversations: sending a reply and recording delivery status."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from contact_hub.conversations.models import (
    STATUS_RANK,
    Conversation,
    DeliveryStatus,
    Message,
)
from contact_hub.conversations.tasks import message_deliver
from contact_hub.followups.services import followup_queue
from contact_hub.people.models import Identity
from contact_hub.staff.models import StaffUser

MAX_TEXT_LENGTH = 1600


class MessageRefused(ValueError):
    """The message cannot be sent; the reason is safe to show to staff."""


def conversation_open(*, identity: Identity, channel: str) -> Conversation:
    """The conversation with this identity on this channel, started if there is none yet."""
    conversation, _ = Conversation.objects.get_or_create(
        identity=identity, channel=channel, defaults={"person_id": identity.person_id})
    return conversation


def message_send(*, conversation: Conversation, body: str, actor: StaffUser | None) -> Message:
    """Queue a text on the conversation's channel; a follow-up hands it to the provider.

    `actor` is the member of staff sending it, or None for a text the hub sends itself (a
    callback confirmation, a delay notice).
    """
    body = body.strip()
    if not body:
        raise MessageRefused("The message is empty.")
    if len(body) > MAX_TEXT_LENGTH:
        raise MessageRefused(f"The message is longer than {MAX_TEXT_LENGTH} characters.")
    with transaction.atomic():
        message = Message.objects.create(
            conversation=conversation,
            direction=Message.Direction.OUTBOUND,
            channel=conversation.channel,
            provider="pending",
            text=body,
            status=DeliveryStatus.QUEUED,
            sent_by=actor,
        )
        Conversation.objects.filter(pk=conversation.pk).update(last_message_at=timezone.now())
        followup_queue(message_deliver, message_id=message.pk)
    return message


def message_status_advance(message_id: int, status: str, *, error_code: str = "") -> bool:
    """Move a message's delivery status forward; a late or repeated update changes nothing."""
    lower = [s for s, rank in STATUS_RANK.items() if rank < STATUS_RANK[status]]
    updated = Message.objects.filter(pk=message_id, status__in=lower).update(
        status=status, status_changed_at=timezone.now(), error_code=error_code[:40]
    )
    return bool(updated)
