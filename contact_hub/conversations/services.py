"""State changes on conversations: sending a reply and recording delivery status."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from contact_hub.conversations.conduct import (
    ConductMatch,
    conduct_chat_release,
    conduct_hold_pending,
    conduct_hold_reason,
    conduct_text_hold,
)
from contact_hub.conversations.intake import conversation_open_for
from contact_hub.conversations.models import (
    STATUS_RANK,
    ConductHold,
    Conversation,
    DeliveryStatus,
    Message,
    MessageTemplate,
)
from contact_hub.conversations.policy import send_refusal
from contact_hub.conversations.tasks import message_deliver
from contact_hub.followups.services import followup_queue
from contact_hub.live import CONDUCT_GROUP, LiveEvent, live_event_send
from contact_hub.people.models import Identity
from contact_hub.people.safe_contact import safe_contact_refusal
from contact_hub.staff.audit import access_record
from contact_hub.staff.models import AccessEvent, StaffUser
from contact_hub.staff.reasons import REASON_MIN_CHARS, reason_too_short
from contact_hub.staff.roles import MAY_SUPERVISE

MAX_TEXT_LENGTH = 1600
CONDUCT_DECISION_NEEDED = ("That text is held for a supervisor's review of what it says; only "
                           "that review can send or refuse it.")


class MessageRefused(ValueError):
    """The message cannot be sent; the reason is safe to show to staff."""


def conversation_open(*, identity: Identity, channel: str) -> Conversation:
    """The conversation with this identity on this channel, started if there is none yet."""
    return conversation_open_for(identity, channel)


def message_send(*, conversation: Conversation, body: str = "", actor: StaffUser | None,
                 template: MessageTemplate | None = None, now: datetime | None = None,
                 conduct: Sequence[ConductMatch] = ()) -> Message:
    """Queue a text on the conversation's channel; a follow-up hands it to the provider.

    `actor` is the member of staff sending it, or None for a text the hub sends itself (a
    callback confirmation, a delay notice). A text the channel cannot carry is refused; a text
    outside the person's safe-contact plan is stored as held, for a person to decide on.
    `conduct` is the conduct rules a staff text matched (conversations.conduct): it is held for
    a supervisor's review instead, whatever the plan says.
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
    if conduct and actor is None:
        raise ValueError("only a text written by staff is held for conduct")
    hold_reason = (conduct_hold_reason(conduct) if conduct else
                   safe_contact_refusal(conversation.person, conversation.channel, now=now) or "")
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
        if conduct and actor is not None:
            conduct_text_hold(message=message, author=actor, matches=conduct)
        elif not hold_reason:
            followup_queue(message_deliver, message_id=message.pk)
    return message


def message_release(*, message: Message, actor: StaffUser, reason: str) -> Message:
    """A supervisor sends a held text despite the safe-contact plan; the override is logged."""
    reason = reason.strip()
    if not actor.has_role(*MAY_SUPERVISE):
        raise MessageRefused("Only a supervisor can send a text outside the safe-contact plan.")
    if reason_too_short(reason):
        raise MessageRefused("Say why the safe-contact plan is being overridden.")
    if conduct_hold_pending(message):
        raise MessageRefused(CONDUCT_DECISION_NEEDED)
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
    if conduct_hold_pending(message):
        # Withdrawing it would end the review its author is the subject of.
        raise MessageRefused(CONDUCT_DECISION_NEEDED)
    cancelled = Message.objects.filter(pk=message.pk, status=DeliveryStatus.HELD).update(
        status=DeliveryStatus.CANCELLED, status_changed_at=timezone.now())
    if not cancelled:
        raise MessageRefused("That text is no longer held.")
    access_record(actor=actor, action=AccessEvent.Action.CHANGE, what="held text cancelled",
                  why="not sent", person_id=message.conversation.person_id)


def conduct_hold_decide(*, hold: ConductHold, actor: StaffUser, send: bool, reason: str,
                        now: datetime | None = None) -> ConductHold:
    """A supervisor's decision on a held staff text or chat line: send it anyway, or refuse it
    (a refused text is cancelled and can never be sent), with a reason that goes on record.
    Its author may not decide, even as a supervisor. A text sent anyway still keeps to the
    person's safe-contact plan: outside it, it stays held, for the plan's reasons."""
    reason = " ".join(reason.split())
    now = now or timezone.now()
    if not actor.has_role(*MAY_SUPERVISE):
        raise MessageRefused("Only a supervisor can decide on a held staff text.")
    if hold.author_id == actor.pk:
        raise MessageRefused("You wrote this one: another supervisor must decide on it.")
    if reason_too_short(reason):
        raise MessageRefused(f"Give a reason of at least {REASON_MIN_CHARS} characters.")
    with transaction.atomic():
        locked = ConductHold.objects.select_for_update(of=("self",)).select_related(
            "message__conversation").get(pk=hold.pk)
        if locked.decided_at is not None:
            raise MessageRefused("That has already been decided.")
        locked.decision = ConductHold.Decision.SEND if send else ConductHold.Decision.REFUSE
        locked.decided_by, locked.decided_at, locked.decision_reason = actor, now, reason[:300]
        locked.save(update_fields=["decision", "decided_by", "decided_at", "decision_reason"])
        if locked.message is not None:
            _held_text_decided(locked.message, send=send, now=now)
        elif send and not conduct_chat_release(locked):
            raise MessageRefused("The call has ended, so the line can no longer be sent. "
                                 "Refuse it instead, with your reason.")
        what = (f"held staff {locked.get_source_display().lower()} "
                f"{'sent after review' if send else 'refused'}")
        access_record(actor=actor, action=AccessEvent.Action.CHANGE, what=what, why=reason,
                      person_id=locked.person_id)
        live_event_send(LiveEvent.CONDUCT_HELD, group=CONDUCT_GROUP, conduct_hold_id=locked.pk)
    return locked


def _held_text_decided(message: Message, *, send: bool, now: datetime) -> None:
    held = Message.objects.filter(pk=message.pk, status=DeliveryStatus.HELD)
    if not send:
        held.update(status=DeliveryStatus.CANCELLED, status_changed_at=now)
    elif plan_refusal := safe_contact_refusal(message.conversation.person, message.channel,
                                              now=now):
        held.update(hold_reason=plan_refusal[:200], status_changed_at=now)
    elif held.update(status=DeliveryStatus.QUEUED, status_changed_at=now):
        followup_queue(message_deliver, message_id=message.pk)
    live_event_send(LiveEvent.MESSAGE_STATUS, message_id=message.pk,
                    person_id=message.conversation.person_id)


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
