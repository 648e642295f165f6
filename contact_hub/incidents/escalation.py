"""Countdowns that escalate: each open incident's escalation points are timer rows with
deadlines. The sweeper claims due rows atomically, so each alert fires exactly once however
many workers sweep at the same moment; the alert, its log entry, the next repeat and any
delay notice to the victim are written in the same transaction as the claim."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from contact_hub.incidents.log import log_append
from contact_hub.incidents.models import EscalationTimer, Incident
from contact_hub.live import live_event_send
from contact_hub.staff.models import Role
from contact_hub.triage.alerts import alert_raise
from contact_hub.triage.models import Alert
from contact_hub.triage.notices import notice_text, victim_notice_send

log = logging.getLogger(__name__)
DEADLINE = "100%"


def _point_label(fraction: float) -> str:
    return f"{round(fraction * 100)}%"


def _repeat_label(after: timedelta) -> str:
    return f"+{int(after.total_seconds() // 60)}m"


def escalation_schedule(incident: Incident, *, start: datetime) -> list[EscalationTimer]:
    """Replace the incident's unfired timers with the points of its current target."""
    now = timezone.now()
    EscalationTimer.objects.filter(incident=incident, fired_at__isnull=True,
                                   cancelled_at__isnull=True).update(cancelled_at=now)
    if incident.target_at is None or incident.closed_at is not None:
        return []
    span = incident.target_at - start
    timers = [EscalationTimer(incident=incident, point=_point_label(fraction),
                              target_at=incident.target_at, due_at=start + span * fraction)
              for fraction in settings.HUB_ESCALATION["points"]]
    if DEADLINE not in {t.point for t in timers}:
        # The repeats hang off the deadline, so there always is one.
        timers.append(EscalationTimer(incident=incident, point=DEADLINE,
                                      target_at=incident.target_at, due_at=incident.target_at))
    return EscalationTimer.objects.bulk_create(timers)


def escalation_cancel(incident: Incident) -> int:
    return EscalationTimer.objects.filter(incident=incident, fired_at__isnull=True,
                                          cancelled_at__isnull=True).update(
        cancelled_at=timezone.now())


def escalations_sweep(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Fire every due escalation not yet fired. Returns the ids of the timers this call fired."""
    now = now or timezone.now()
    fired = []
    with transaction.atomic():
        # SKIP LOCKED: a second sweeper takes other rows (or none) instead of waiting and then
        # firing the same ones; the conditional UPDATE guards engines without row locks.
        due = list(EscalationTimer.objects.select_for_update(skip_locked=True)
                   .filter(fired_at__isnull=True, cancelled_at__isnull=True, due_at__lte=now)
                   .order_by("due_at").values_list("pk", flat=True)[:limit])
        for timer_id in due:
            if _fire_one(timer_id, now):
                fired.append(timer_id)
    if fired:
        # One event for the whole sweep: pages re-fetch once, however many alerts fired.
        live_event_send("incidents.escalated", fired=len(fired))
    return fired


def _fire_one(timer_id: int, now: datetime) -> bool:
    try:
        with transaction.atomic():
            claimed = EscalationTimer.objects.filter(
                pk=timer_id, fired_at__isnull=True, cancelled_at__isnull=True).update(fired_at=now)
            if not claimed:
                return False
            escalation_fire(EscalationTimer.objects.select_related("incident__person")
                            .get(pk=timer_id), now=now)
            return True
    except Exception:
        # One broken incident must not hold back every other alert; it is retried next sweep.
        log.exception("escalation timer %s failed to fire", timer_id)
        return False


def escalation_fire(timer: EscalationTimer, *, now: datetime) -> None:
    """Alert the supervisors, log it, schedule the next repeat, and at the deadline tell the
    victim about the delay. Runs inside the claiming transaction."""
    incident = timer.incident
    missed = timer.due_at >= timer.target_at
    log_append(incident, "escalation.alerted", {
        "point": timer.point, "target_at": timer.target_at, "due_at": timer.due_at,
        "late_by_seconds": max(0, int((now - timer.due_at).total_seconds())),
        "status": incident.status, "alerted": Role.SUPERVISOR.label,
    })
    alert_raise(kind=Alert.Kind.ESCALATION, for_role=Role.SUPERVISOR, incident_id=incident.pk,
                detail={"point": timer.point, "missed": missed}, announce=False)
    if timer.point == DEADLINE:
        _delay_notice(incident)
    if missed:
        _next_repeat(timer, now=now)


def _delay_notice(incident: Incident) -> None:
    message = victim_notice_send(incident.person, notice_text("delay"))
    log_append(incident, "victim.told_of_delay" if message else "victim.not_told_of_delay", {
        "channel": message.channel if message else None,
        "message_id": message.pk if message else None,
    })


def _next_repeat(timer: EscalationTimer, *, now: datetime) -> None:
    repeat = timedelta(minutes=settings.HUB_ESCALATION["repeat_minutes"])
    due_at = timer.due_at + repeat
    while due_at <= now:  # after an outage, alert once now rather than once per missed repeat
        due_at += repeat
    EscalationTimer.objects.create(incident_id=timer.incident_id, target_at=timer.target_at,
                                   point=_repeat_label(due_at - timer.target_at), due_at=due_at)
