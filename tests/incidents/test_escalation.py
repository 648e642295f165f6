"""Countdowns that escalate: each point fires once, at its moment, however many sweepers run."""

from __future__ import annotations

from datetime import timedelta

import pytest

from contact_hub.conversations.models import Message
from contact_hub.incidents.escalation import escalations_sweep
from contact_hub.incidents.models import Alert, EscalationTimer, Incident
from contact_hub.incidents.services import incident_close, incident_grade, incident_open
from tests.concurrency import all_at_once
from tests.factories import received_message

SECOND = timedelta(seconds=1)


def _opened(coordinator, grade: str = "priority") -> Incident:
    return incident_open(opening_code="DOMESTIC", grade=grade, actor=coordinator,
                         message=received_message(text="he keeps coming back"))


def _alerts(incident: Incident) -> list[str]:
    return [e.data["point"] for e in incident.log.filter(kind="escalation.alerted")
            .order_by("seq")]


@pytest.mark.django_db
def test_an_incident_gets_half_way_and_deadline_points_from_its_target(coordinator):
    incident = _opened(coordinator)

    timers = list(incident.escalation_timers.order_by("due_at").values_list("point", "due_at"))

    assert timers == [("50%", incident.target_at - timedelta(minutes=30)),
                      ("100%", incident.target_at)]


@pytest.mark.django_db
def test_nothing_fires_before_its_moment(coordinator):
    incident = _opened(coordinator)

    assert escalations_sweep(now=incident.target_at - timedelta(minutes=30) - SECOND) == []
    assert _alerts(incident) == []


@pytest.mark.django_db
def test_half_way_alerts_the_supervisors_once(coordinator):
    incident = _opened(coordinator)
    half_way = incident.target_at - timedelta(minutes=30)

    escalations_sweep(now=half_way)
    escalations_sweep(now=half_way + 10 * SECOND)

    assert _alerts(incident) == ["50%"]
    alert = Alert.objects.get()
    assert (alert.kind, alert.for_role, alert.incident, alert.detail) == (
        "escalation", "supervisor", incident, {"point": "50%", "missed": False})
    assert not Message.objects.filter(direction="out").exists()


@pytest.mark.django_db
def test_a_missed_target_alerts_and_tells_the_victim_once_in_neutral_words(
        coordinator, django_capture_on_commit_callbacks):
    incident = _opened(coordinator)

    with django_capture_on_commit_callbacks(execute=True):
        escalations_sweep(now=incident.target_at)
        escalations_sweep(now=incident.target_at + SECOND)

    assert _alerts(incident) == ["50%", "100%"]
    notice = Message.objects.get(direction="out")
    assert notice.conversation.person == incident.person
    assert notice.sent_by is None
    assert "taking longer than we hoped" in notice.text
    for word in ("police", "officer", incident.reference, "incident"):
        assert word.lower() not in notice.text.lower()
    told = incident.log.get(kind="victim.told_of_delay")
    assert told.data == {"channel": "sms", "message_id": notice.pk,
                         "target_at": incident.target_at.isoformat()}


@pytest.mark.django_db
def test_a_delay_notice_that_runs_twice_tells_the_victim_once(coordinator):
    from contact_hub.incidents.delay_notices import delay_notice_send

    incident = _opened(coordinator)
    target_at = incident.target_at.isoformat()

    delay_notice_send.work(incident_id=incident.pk, target_at=target_at)
    delay_notice_send.work(incident_id=incident.pk, target_at=target_at)

    assert Message.objects.filter(direction="out").count() == 1
    assert incident.log.filter(kind="victim.told_of_delay").count() == 1


@pytest.mark.django_db
def test_a_victim_with_no_safe_channel_is_logged_as_not_told(coordinator,
                                                             django_capture_on_commit_callbacks):
    from contact_hub.people.models import SafeContactPlan

    incident = _opened(coordinator)
    SafeContactPlan.objects.create(person=incident.person, channels=["whatsapp"])

    with django_capture_on_commit_callbacks(execute=True):
        escalations_sweep(now=incident.target_at)

    assert not Message.objects.filter(direction="out").exists()
    assert incident.log.get(kind="victim.not_told_of_delay").data["channel"] is None


@pytest.mark.django_db
def test_after_the_deadline_it_alerts_every_fifteen_minutes_until_closed(
        coordinator, supervisor, django_capture_on_commit_callbacks):
    incident = _opened(coordinator)
    deadline = incident.target_at

    with django_capture_on_commit_callbacks(execute=True):
        for minutes in (0, 14, 15, 29, 30, 44):
            escalations_sweep(now=deadline + timedelta(minutes=minutes))
    incident_close(incident=incident, reason="attended by ALPHA-21", actor=supervisor)
    escalations_sweep(now=deadline + timedelta(minutes=60))

    assert _alerts(incident) == ["50%", "100%", "+15m", "+30m"]
    assert Message.objects.filter(direction="out").count() == 1


@pytest.mark.django_db
def test_after_an_outage_a_late_sweep_alerts_once_not_once_per_missed_repeat(coordinator):
    incident = _opened(coordinator)

    escalations_sweep(now=incident.target_at + timedelta(minutes=50))
    escalations_sweep(now=incident.target_at + timedelta(minutes=50))

    assert _alerts(incident) == ["50%", "100%"]
    pending = incident.escalation_timers.get(fired_at__isnull=True)
    assert (pending.point, pending.due_at) == ("+60m", incident.target_at + timedelta(hours=1))
    late = incident.log.get(kind="escalation.alerted", data__point="100%")
    assert late.data["late_by_seconds"] == 50 * 60


@pytest.mark.django_db
def test_regrading_moves_the_countdown_and_its_points(coordinator):
    incident = _opened(coordinator, grade="standard")
    old_target = incident.target_at

    incident_grade(incident=incident, grade="immediate", actor=coordinator,
                   reason="he is back at the address")

    assert incident.target_at < old_target
    live = incident.escalation_timers.filter(cancelled_at__isnull=True)
    assert {t.due_at for t in live} == {incident.target_at - timedelta(minutes=7, seconds=30),
                                        incident.target_at}
    escalations_sweep(now=old_target)
    assert _alerts(incident) == ["50%", "100%"]


@pytest.mark.django_db
def test_a_grade_without_a_target_has_no_escalation(coordinator):
    incident = _opened(coordinator, grade="resolved")

    assert not incident.escalation_timers.exists()


@pytest.mark.django_db
def test_a_busy_moment_fires_every_due_alert_in_a_few_queries(coordinator,
                                                              django_assert_max_num_queries):
    incidents = [_opened(coordinator) for _ in range(20)]
    half_way = max(i.target_at for i in incidents) - timedelta(minutes=30)

    with django_assert_max_num_queries(15):
        fired = escalations_sweep(now=half_way)

    assert len(fired) == 20
    assert all(_alerts(incident) == ["50%"] for incident in incidents)
    assert Alert.objects.count() == 20


@pytest.mark.django_db
def test_one_broken_incident_does_not_hold_back_the_others(coordinator):
    incidents = [_opened(coordinator) for _ in range(3)]
    broken = incidents[1]
    # Damaged data: the incident's record of its log head fell behind its entries, so its next
    # entry's number is taken and the database refuses it.
    Incident.objects.filter(pk=broken.pk).update(log_length=0)
    half_way = max(i.target_at for i in incidents) - timedelta(minutes=30)

    fired = escalations_sweep(now=half_way)

    assert len(fired) == 2
    assert [_alerts(i) for i in incidents] == [["50%"], [], ["50%"]]
    assert broken.escalation_timers.get(point="50%").fired_at is None  # retried next sweep
    assert Alert.objects.filter(incident=broken).count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_fire_each_alert_exactly_once(coordinator):
    incidents = [_opened(coordinator) for _ in range(30)]
    latest = max(i.target_at for i in incidents)
    moments = [latest + timedelta(minutes=m) for m in (0, 15, 30)]

    for now in moments:
        fired = all_at_once([lambda now=now: escalations_sweep(now=now, limit=1000)] * 2)
        both = fired[0] + fired[1]
        assert len(both) == len(set(both))  # no timer fired by both workers

    for incident in incidents:
        assert _alerts(incident) == ["50%", "100%", "+15m", "+30m"]
    assert EscalationTimer.objects.filter(fired_at__isnull=False).count() == 30 * 4
    assert Alert.objects.count() == 30 * 4
    assert Message.objects.filter(direction="out").count() == 30
