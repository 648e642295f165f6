"""Work that follows a message once it is committed. Every function here is idempotent."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from contact_hub.conversations.models import DeliveryStatus, Message, MessageExclusion
from contact_hub.conversations.sending import (
    OutboundText,
    TransportError,
    text_as_sent,
    text_backend,
)
from contact_hub.followups.services import followup_batch_task, followup_task
from contact_hub.live import LiveEvent, live_event_send


@followup_batch_task
def messages_received(payloads: list[dict[str, int]]) -> None:
    """Run the received-message hooks (settings.HUB_MESSAGES_RECEIVED_HOOKS: triage first, then
    the apps that act on what a message says), then tell live pages the messages arrived; they
    fetch them themselves. Done in bulk: at a busy moment one run hands every message waiting
    to each hook at once. Every hook is idempotent, so a re-run changes nothing."""
    received = dict(Message.objects.filter(
        pk__in=[payload["message_id"] for payload in payloads],
        direction=Message.Direction.INBOUND).values_list("pk", "conversation__person_id"))
    if not received:
        return
    message_ids = sorted(received)
    for hook in settings.HUB_MESSAGES_RECEIVED_HOOKS:
        import_string(hook)(message_ids)
    # One event for the batch: a page re-fetches once, however many arrived. Every front-line
    # page hears it, so a message kept from someone (an allegation about them) is left out:
    # its id alone would tell them it exists. Pages show it at their next re-fetch.
    kept = set(MessageExclusion.objects.filter(message_id__in=message_ids,
                                               cleared_at__isnull=True)
               .values_list("message_id", flat=True))
    told = [pk for pk in message_ids if pk not in kept]
    if told:
        live_event_send(LiveEvent.MESSAGES_RECEIVED, message_ids=told,
                        person_ids=sorted({received[pk] for pk in told}))


@followup_task
def message_deliver(message_id: int) -> None:
    """Hand a queued text to the provider, at most once.

    The message is claimed queued → sending before the provider is called. If a worker dies
    mid-call, the message stays 'sending' and is marked 'unknown' for a person to check, rather
    than sent again: a victim must never get the same text twice.
    """
    claimed = Message.objects.filter(pk=message_id, status=DeliveryStatus.QUEUED).update(
        status=DeliveryStatus.SENDING, status_changed_at=timezone.now()
    )
    if not claimed:
        Message.objects.filter(pk=message_id, status=DeliveryStatus.SENDING).update(
            status=DeliveryStatus.UNKNOWN, status_changed_at=timezone.now()
        )
        return
    message = Message.objects.select_related("conversation__identity").get(pk=message_id)
    try:
        # Only the provider is handed what the stored text stands in for (a video link).
        text = OutboundText(channel=message.channel, to=message.conversation.identity.value,
                            body=text_as_sent(message), message_id=message.pk,
                            template=message.template)
        receipt = text_backend(message.channel).send(text)
    except TransportError as error:
        Message.objects.filter(pk=message_id).update(
            status=_status_after(error), error_code=str(error)[:40],
            status_changed_at=timezone.now(),
        )
        if not error.permanent:
            raise
        return
    Message.objects.filter(pk=message_id).update(
        provider=receipt.provider, provider_message_id=receipt.provider_message_id,
        status=receipt.status, status_changed_at=timezone.now(),
    )
    live_event_send(LiveEvent.MESSAGE_STATUS, message_id=message_id,
                    person_id=message.conversation.person_id)


def _status_after(error: TransportError) -> str:
    if error.unknown:
        return DeliveryStatus.UNKNOWN
    return DeliveryStatus.FAILED if error.permanent else DeliveryStatus.QUEUED
