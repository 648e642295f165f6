"""Telling a victim that help is late: follow-up work the escalation sweep queues, run after
the transaction that queued it commits."""

from __future__ import annotations

from django.db import transaction

from contact_hub.conversations.notices import notice_text, victim_notice_send
from contact_hub.followups.services import followup_task
from contact_hub.incidents.log import log_append
from contact_hub.incidents.models import Incident

TOLD = "victim.told_of_delay"
NOT_TOLD = "victim.not_told_of_delay"


@followup_task
def delay_notice_send(incident_id: int, target_at: str) -> None:
    """Tell the victim, in neutral words on their safe channel, that help is late; log whether
    they could be told. Once per missed target, however often the follow-up runs."""
    with transaction.atomic():
        incident = Incident.objects.select_for_update(of=("self",)).select_related("person").get(
            pk=incident_id)
        if incident.log.filter(kind__in=(TOLD, NOT_TOLD), data__target_at=target_at).exists():
            return
        message = victim_notice_send(incident.person, notice_text("delay"))
        log_append(incident, TOLD if message else NOT_TOLD, {
            "target_at": target_at,
            "channel": message.channel if message else None,
            "message_id": message.pk if message else None,
        })
