"""State changes on conversations: sending a reply and recording delivery status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from contact_hub.conversations.intake import conversation_open_for
from contact_hub.conversations.models import (
    STATUS_RANK,
    Conversation,
    DeliveryStatus,
    Message,
    MessageTemplate,
)
from contact_hub.conversations.policy import send_refusal
from contact_hub.conversations.tasks import message_deliver
from contact_hub.followups.services import followup_queue
from contact_hub.live import LiveEvent, live_event_send
from contact_hub.people.models import Identity
from contact_hub.people.safe_contact import safe_contact_refusal
from contact_hub.staff.audit import access_record
from contact_hub.staff.models import AccessEvent, StaffUser
from contact_hub.staff.reasons import reason_too_short
from contact_hub.staff.roles import MAY_SUPERVISE

MAX_TEXT_LENGTH = 1600


class MessageRefused(ValueError):
    """The message cannot be sent; the reason is safe to show to staff."""


def conversation_open(*, identity: Identity, channel: str) -> Conversation:
    """The conversation with this identity on this channel, started if there is none yet."""
    return conversation_open_for(identity, channel)


def message_send(*, conversation: Conversation, body: str = "", actor: StaffUser | None,
                 template: MessageTemplate | None = None, now: datetime | None = None
                 ) -> Message:
    """Queue a text on the conversation's channel; a follow-up hands it to the provider.

    `actor` is the member of staff sending it, or None for a text the hub sends itself (a
    callback confirmation, a delay notice). A text the channel cannot carry is refused; a text
    outside the person's safe-contact plan is stored as held, for a person to decide on.
    """
    now = now or timezone.now()
    body = (template.body if template is not None else body).strip()
    if not body:
        raise MessageRefused("The message is empty.")
    if len(body) > MAX_TEXT_LENGTH:
        raise MessageRefused(f"The message is longer than {MAX_TEXT_LENGTH} characters.")
    refusal = send_refusal(conversation, template, now=now)
    if refusal:
        raise MessageRefused(refusal)
    hold_reason = safe_contact_refusal(conversation.person, conversation.channel, now=now) or ""
    with transaction.atomic():
        message = Message.objects.create(
            conversation=conversation,
            direction=Message.Direction.OUTBOUND,
            channel=conversation.channel,
            provider="pending",
            text=body,
            template=template.whatsapp_name if template is not None else "",
            status=DeliveryStatus.HELD if hold_reason else DeliveryStatus.QUEUED,
            hold_reason=hold_reason,
            sent_by=actor,
        )
        if not hold_reason:
            followup_queue(message_deliver, message_id=message.pk)
    return message


def message_release(*, message: Message, actor: StaffUser, reason: str) -> Message:
    """A supervisor sends a held text despite the safe-contact plan; the override is logged."""
    reason = reason.strip()
    if not actor.has_role(*MAY_SUPERVISE):
        raise MessageRefused("Only a supervisor can send a text outside the safe-contact plan.")
    if reason_too_short(reason):
        raise MessageRefused("Say why the safe-contact plan is being overridden.")
    with transaction.atomic():
        released = Message.objects.filter(pk=message.pk, status=DeliveryStatus.HELD).update(
            status=DeliveryStatus.QUEUED, status_changed_at=timezone.now())
        if not released:
            raise MessageRefused("That text is no longer held.")
        access_record(actor=actor, action=AccessEvent.Action.CHANGE,
                      what="held text sent despite the safe-contact plan", why=reason,
                      person_id=message.conversation.person_id)
        followup_queue(message_deliver, message_id=message.pk)
    message.refresh_from_db()
    return message


def message_cancel(*, message: Message, actor: StaffUser) -> None:
    cancelled = Message.objects.filter(pk=message.pk, status=DeliveryStatus.HELD).update(
        status=DeliveryStatus.CANCELLED, status_changed_at=timezone.now())
    if not cancelled:
        raise MessageRefused("That text is no longer held.")
    access_record(actor=actor, action=AccessEvent.Action.CHANGE, what="held text cancelled",
                  why="not sent", person_id=message.conversation.person_id)


def message_status_advance(message_id: int, status: str, *, error_code: str = "") -> bool:
    """Move a message's delivery status forward; a late or repeated update changes nothing."""
    lower = [s for s, rank in STATUS_RANK.items() if rank < STATUS_RANK[status]]
    updated = Message.objects.filter(pk=message_id, status__in=lower).update(
        status=status, status_changed_at=timezone.now(), error_code=error_code[:40]
    )
    if updated:
        person_id = Message.objects.filter(pk=message_id).values_list(
            "conversation__person_id", flat=True).get()
        live_event_send(LiveEvent.MESSAGE_STATUS, message_id=message_id, person_id=person_id)
    return bool(updated)


@dataclass(frozen=True)
class MessageReceipt:
    """A provider's word on texts we sent it: for the messages it names, or (Messenger's
    watermarks name none) for every one sent to `recipient` on `channel` up to a time."""

    provider: str
    status: str
    provider_message_ids: tuple[str, ...] = ()
    channel: str = ""
    recipient: str = ""
    up_to: datetime | None = None
    error_code: str = ""


def message_receipt_apply(*, receipt: MessageReceipt) -> int:
    """Every provider's delivery and read receipts come here. The status of each text the
    receipt covers moves forward; texts we do not know, or a late or repeated receipt, change
    nothing. Returns how many moved."""
    # Only texts the receipt can still move forward: a watermark covers a whole conversation's
    # history, and each text it names costs an UPDATE.
    behind = [s for s, rank in STATUS_RANK.items() if rank < STATUS_RANK[receipt.status]]
    outbound = Message.objects.filter(provider=receipt.provider, status__in=behind,
                                      direction=Message.Direction.OUTBOUND)
    if receipt.provider_message_ids:
        outbound = outbound.filter(provider_message_id__in=receipt.provider_message_ids)
    elif receipt.up_to is not None:
        outbound = outbound.filter(channel=receipt.channel, created_at__lte=receipt.up_to,
                                   conversation__identity__value=receipt.recipient)
    else:
        return 0
    with transaction.atomic():
        return sum(message_status_advance(message_id, receipt.status,
                                          error_code=receipt.error_code)
                   for message_id in outbound.values_list("pk", flat=True))
