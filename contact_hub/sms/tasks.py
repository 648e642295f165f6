"""Fetching MMS media in the background, only from Twilio's own hosts and only up to a size.

A received-message hook (HUB_MESSAGES_RECEIVED_HOOKS) queues the fetch for each stored text.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings

from contact_hub.conversations.models import Channel, Message
from contact_hub.conversations.stored_files import stored_file_type
from contact_hub.followups.models import FollowUp
from contact_hub.followups.services import followup_queue, followup_task
from contact_hub.sms.media import MediaRefused, MediaUnavailable, media_download
from contact_hub.sms.twilio import PROVIDER
from contact_hub.staff.audit import security_event_record


@followup_task
def media_fetch(message_id: int) -> None:
    message = Message.objects.get(pk=message_id)
    media = [dict(entry) for entry in message.media]
    for entry in media:
        if entry.get("status") != "stored":
            _entry_fetch(entry)
    Message.objects.filter(pk=message_id).update(media=media)


def media_fetch_queue(message_ids: list[int]) -> None:
    """The received-message hook: one fetch for each text with media. A hook can see a message
    again (a retried batch), so a text whose fetch is queued already is left to that one."""
    with_media = (Message.objects.filter(pk__in=message_ids, channel=Channel.SMS,
                                         direction=Message.Direction.INBOUND)
                  .exclude(media=[]).values_list("pk", flat=True))
    queued = set(FollowUp.objects.filter(task_name=media_fetch.name,
                                         payload__message_id__in=list(with_media))
                 .values_list("payload__message_id", flat=True))
    for message_id in with_media:
        if message_id not in queued:
            followup_queue(media_fetch, message_id=message_id)


def _entry_fetch(entry: dict[str, Any]) -> None:
    """Store one attachment, or say on its entry why not; a host that does not answer raises,
    so the follow-up is tried again later."""
    try:
        content = media_download(entry["url"])
    except MediaUnavailable as unavailable:
        entry["status"] = unavailable.status
        if isinstance(unavailable, MediaRefused):
            security_event_record("media_refused", detail={"provider": PROVIDER,
                                                           "reason": unavailable.reason})
        return
    digest = hashlib.sha256(content).hexdigest()
    settings.MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
    (settings.MEDIA_ROOT / digest).write_bytes(content)
    # content_type stays what the sender declared; stored_type is what the bytes are.
    entry.update(status="stored", sha256=digest, size=len(content),
                 stored_type=stored_file_type(content))
