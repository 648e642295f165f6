"""Countdowns that escalate: each open incident's escalation points are timer rows with
deadlines. The sweeper claims due rows atomically, so each alert fires exactly once however
many workers sweep at the same moment; the alert, its log entry, the next repeat and the
follow-up that tells the victim of a delay are written in the same transaction as the claim."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from contact_hub.followups.services import followups_queue
from contact_hub.incidents.alerts import alerts_raise
from contact_hub.incidents.delay_notices import delay_notice_send
from contact_hub.incidents.log import log_append_many
from contact_hub.incidents.models import Alert, EscalationTimer, Incident
from contact_hub.live import LiveEvent, live_event_send
from contact_hub.staff.models import Role

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
    with transaction.atomic():
        # SKIP LOCKED: a second sweeper takes other rows (or none) instead of waiting and then
        # firing the same ones; the conditional UPDATE guards engines without row locks.
        due = list(EscalationTimer.objects.select_for_update(skip_locked=True)
                   .filter(fired_at__isnull=True, cancelled_at__isnull=True, due_at__lte=now)
                   .order_by("due_at").values_list("pk", flat=True)[:limit])
        fired = _fire_together(due, now) if due else []
    if fired:
        # One event for the whole sweep: pages re-fetch once, however many alerts fired.
        live_event_send(LiveEvent.INCIDENTS_ESCALATED, fired=len(fired))
    return fired


def _fire_together(timer_ids: list[int], now: datetime) -> list[int]:
    """Fire a sweep's timers in a few bulk queries; if that fails, or another sweeper fired
    some of them first (only on engines without row locks), fire them one at a time, so one
    broken incident cannot hold back every other alert."""
    try:
        with transaction.atomic():
            if _claim(timer_ids, now) == len(timer_ids):
                escalations_fire(_timers(timer_ids), now=now)
                return timer_ids
            transaction.set_rollback(True)
    except Exception:
        log.exception("a sweep of %d escalation timers failed; firing them one by one",
                      len(timer_ids))
    return [timer_id for timer_id in timer_ids if _fire_one(timer_id, now)]


def _fire_one(timer_id: int, now: datetime) -> bool:
    try:
        with transaction.atomic():
            if not _claim([timer_id], now):
                return False
            escalations_fire(_timers([timer_id]), now=now)
            return True
    except Exception:
        # It is retried next sweep.
        log.exception("escalation timer %s failed to fire", timer_id)
        return False


def _claim(timer_ids: list[int], now: datetime) -> int:
    return EscalationTimer.objects.filter(
        pk__in=timer_ids, fired_at__isnull=True, cancelled_at__isnull=True).update(fired_at=now)


def _timers(timer_ids: list[int]) -> list[EscalationTimer]:
    return list(EscalationTimer.objects.select_related("incident__person")
                .filter(pk__in=timer_ids).order_by("due_at", "pk"))


def escalations_fire(timers: list[EscalationTimer], *, now: datetime) -> None:
    """Alert the supervisors, log it, schedule the next repeat, and at the deadline queue the
    victim's delay notice. Runs inside the claiming transaction; bulk writes, so a busy
    moment's hundreds of alerts cost a handful of queries, and the notices follow just after."""
    entries: list[tuple[Incident, str, dict]] = []
    alerts, repeats, notices = [], [], []
    for timer in timers:
        incident = timer.incident
        missed = timer.due_at >= timer.target_at
        entries.append((incident, "escalation.alerted", {
            "point": timer.point, "target_at": timer.target_at, "due_at": timer.due_at,
            "late_by_seconds": max(0, int((now - timer.due_at).total_seconds())),
            "status": incident.status, "alerted": Role.SUPERVISOR.label,
        }))
        alerts.append(Alert(kind=Alert.Kind.ESCALATION, for_role=Role.SUPERVISOR,
                            incident_id=incident.pk,
                            detail={"point": timer.point, "missed": missed}))
        if timer.point == DEADLINE:
            notices.append({"incident_id": incident.pk,
                            "target_at": timer.target_at.isoformat()})
        if missed:
            repeats.append(_next_repeat(timer, now=now))
    log_append_many(entries)
    alerts_raise(alerts)
    EscalationTimer.objects.bulk_create(repeats)
    if notices:
        followups_queue(delay_notice_send, notices)


def _next_repeat(timer: EscalationTimer, *, now: datetime) -> EscalationTimer:
    repeat = timedelta(minutes=settings.HUB_ESCALATION["repeat_minutes"])
    due_at = timer.due_at + repeat
    while due_at <= now:  # after an outage, alert once now rather than once per missed repeat
        due_at += repeat
    return EscalationTimer(incident_id=timer.incident_id, target_at=timer.target_at,
                           point=_repeat_label(due_at - timer.target_at), due_at=due_at)
