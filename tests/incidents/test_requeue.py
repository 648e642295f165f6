"""Re-queueing: an incident sent back to dispatch gets a new target from its grade, and its
escalation follows that target, never the old one, however many sweepers run."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from asgiref.sync import async_to_sync

from contact_hub.conversations.models import Message
from contact_hub.incidents.escalation import escalations_sweep
from contact_hub.incidents.log import log_verify
from contact_hub.incidents.models import Alert, EscalationTimer, Incident
from contact_hub.incidents.services import (
    IncidentRefused,
    incident_assign,
    incident_close,
    incident_open,
    incident_requeue,
)
from contact_hub.live import HUB_GROUP
from tests.concurrency import all_at_once
from tests.factories import received_message

PRIORITY = timedelta(minutes=60)  # the force file's target for a priority incident
SECOND = timedelta(seconds=1)


def _assigned(coordinator) -> Incident:
    incident = incident_open(opening_code="DOMESTIC", grade="priority", actor=coordinator,
                             message=received_message(text="he is outside again"))
    return incident_assign(incident=incident, unit="ALPHA-21", actor=coordinator)


def _fired(incident: Incident) -> list[tuple[str, datetime]]:
    """Each escalation point that fired, in order, with the target it counted down to."""
    return list(incident.escalation_timers.filter(fired_at__isnull=False)
                .order_by("fired_at", "due_at").values_list("point", "target_at"))


def _racing_sweep(now: datetime) -> list[int]:
    """Two workers sweep at the same moment; each due point fires once, by one of them."""
    fired = all_at_once([lambda: escalations_sweep(now=now, limit=1000)] * 2)
    both = fired[0] + fired[1]
    assert len(both) == len(set(both))
    return both


@pytest.mark.django_db
def test_requeueing_sends_the_incident_back_to_dispatch_with_a_new_target(coordinator):
    incident = _assigned(coordinator)
    now = incident.target_at + timedelta(minutes=10)

    incident_requeue(incident=incident, actor=coordinator, reason="unit diverted to a crash",
                     now=now)

    incident.refresh_from_db()
    assert (incident.status, incident.assigned_to, incident.target_at) == (
        Incident.Status.OPEN, None, now + PRIORITY)
    entry = incident.log.get(kind="incident.requeued")
    assert entry.data["reason"] == "unit diverted to a crash"
    assert entry.actor == coordinator
    assert log_verify(incident) is None


@pytest.mark.django_db
def test_requeueing_replaces_the_old_points_with_the_new_targets(coordinator):
    incident = _assigned(coordinator)
    old_target = incident.target_at
    now = old_target - timedelta(minutes=20)

    incident_requeue(incident=incident, actor=coordinator, reason="unit diverted", now=now)

    live = incident.escalation_timers.filter(fired_at__isnull=True, cancelled_at__isnull=True)
    assert sorted(live.values_list("point", "due_at", "target_at")) == [
        ("100%", now + PRIORITY, now + PRIORITY),
        ("50%", now + PRIORITY / 2, now + PRIORITY)]
    cancelled = incident.escalation_timers.filter(cancelled_at__isnull=False)
    assert set(cancelled.values_list("target_at", flat=True)) == {old_target}


@pytest.mark.django_db
def test_requeueing_tells_live_pages_after_commit(coordinator, in_memory_layers,
                                                  django_capture_on_commit_callbacks):
    layer = in_memory_layers
    channel = async_to_sync(layer.new_channel)()
    incident = _assigned(coordinator)
    async_to_sync(layer.group_add)(HUB_GROUP, channel)

    with django_capture_on_commit_callbacks(execute=True):
        incident_requeue(incident=incident, actor=coordinator, reason="unit diverted")

    event = async_to_sync(layer.receive)(channel)
    assert event == {"type": "live.event", "kind": "incident.changed",
                     "incident_id": incident.pk, "group": HUB_GROUP}


@pytest.mark.django_db
def test_a_requeue_needs_a_reason(coordinator):
    incident = _assigned(coordinator)

    with pytest.raises(IncidentRefused, match="Say why"):
        incident_requeue(incident=incident, actor=coordinator, reason="  ")
    assert not incident.log.filter(kind="incident.requeued").exists()


@pytest.mark.django_db
def test_a_closed_incident_is_not_requeued(coordinator):
    incident = _assigned(coordinator)
    incident_close(incident=incident, reason="attended", actor=coordinator)

    with pytest.raises(IncidentRefused, match="closed"):
        incident_requeue(incident=incident, actor=coordinator, reason="unit diverted")
    assert not incident.escalation_timers.filter(cancelled_at__isnull=True,
                                                 fired_at__isnull=True).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_requeued_incident_escalates_at_its_new_target_and_never_at_the_old(coordinator):
    """The background report's failure: the unit is diverted after the target was missed, the
    incident goes back to dispatch, and only the new target's points may alert."""
    incident = _assigned(coordinator)
    old_target = incident.target_at
    _racing_sweep(old_target - PRIORITY / 2)
    _racing_sweep(old_target)
    requeued_at = old_target + timedelta(minutes=10)
    incident_requeue(incident=incident, actor=coordinator, reason="unit diverted to a crash",
                     now=requeued_at)
    new_target = requeued_at + PRIORITY

    assert _racing_sweep(old_target + timedelta(minutes=15)) == []  # the old repeat is gone
    assert _racing_sweep(new_target - PRIORITY / 2 - SECOND) == []
    assert len(_racing_sweep(new_target - PRIORITY / 2)) == 1
    assert _racing_sweep(new_target - SECOND) == []
    assert len(_racing_sweep(new_target)) == 1
    assert len(_racing_sweep(new_target + timedelta(minutes=15))) == 1

    assert _fired(incident) == [("50%", old_target), ("100%", old_target),
                                ("50%", new_target), ("100%", new_target),
                                ("+15m", new_target)]
    assert [(a.detail["point"], a.detail["missed"])
            for a in Alert.objects.filter(incident_id=incident.pk).order_by("pk")] == [
        ("50%", False), ("100%", True), ("50%", False), ("100%", True), ("+15m", True)]
    told = incident.log.filter(kind="victim.told_of_delay").order_by("seq")
    assert [e.data["target_at"] for e in told] == [old_target.isoformat(),
                                                   new_target.isoformat()]
    assert Message.objects.filter(direction="out").count() == 2
    pending = EscalationTimer.objects.get(incident=incident, fired_at__isnull=True,
                                          cancelled_at__isnull=True)
    assert (pending.point, pending.target_at) == ("+30m", new_target)
    assert log_verify(Incident.objects.get(pk=incident.pk)) is None
