"""One escalation sweep over 100,000 open incidents, on PostgreSQL: time and queries.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/escalation_sweep.py [--due 50]

Uses the database hub_bench_triage (created and reset here). Prints the sweep with nothing due,
with a busy moment's worth due, the query plan (it must use the partial index on due timers),
and the baseline: scanning every open incident for passed points, the way a sweep without
timer rows would have to.
"""

from __future__ import annotations

import argparse
import time
from datetime import timedelta

from _setup import django_setup


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=50,
                        help="incidents reaching their target at the sweep (two points each)")
    args = parser.parse_args()
    django_setup()

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from contact_hub.incidents.escalation import escalations_sweep
    from contact_hub.incidents.models import EscalationTimer, Incident

    now = timezone.now()
    _reset(connection)
    _populate(args.incidents, args.due, now)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"{Incident.objects.filter(closed_at__isnull=True).count():,} open incidents, "
          f"{EscalationTimer.objects.filter(fired_at__isnull=True).count():,} pending timers, "
          f"{args.due * 2} due now, {args.due} of them deadlines with a victim to tell")

    for label, moment in (("nothing due", now - timedelta(minutes=31)), ("busy moment", now)):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            fired = escalations_sweep(now=moment, limit=1000)
            took = time.perf_counter() - started
        print(f"sweep, {label:<12}: {took * 1000:8.1f} ms  {len(queries):5d} queries  "
              f"{len(fired)} alerts fired  ({len(queries) / max(1, len(fired)):.1f} queries/alert)")

    plan = _plan(connection, now)
    print("plan:", plan)
    assert "escalation_timer_due_idx" in plan, "the sweep does not use its index"

    started = time.perf_counter()
    passed = _naive_scan(now)
    took = time.perf_counter() - started
    print(f"baseline, scan every open incident in Python: {took * 1000:8.1f} ms "
          f"({passed} with a passed point)")
    print("bar: a sweep under 500 ms")


def _reset(connection) -> None:
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE incidents_escalationtimer, incidents_logentry, "
                       "triage_alert, incidents_incidentcontact, triage_contacttriage, "
                       "incidents_incident, conversations_message, "
                       "conversations_conversation, people_identity, people_person, "
                       "followups_followup CASCADE")


def _populate(total: int, due: int, now) -> None:
    from contact_hub.incidents.models import EscalationTimer, Incident

    victims = _victims(due)
    batch = 5000
    for start in range(0, total, batch):
        rows = []
        for n in range(start, min(total, start + batch)):
            # Most incidents have their points hours away; `due` of them reach their deadline
            # now, and their victims, reachable by text, are told of the delay.
            target = now if n < due else now + timedelta(minutes=61 + n % 1440)
            rows.append(Incident(reference=f"BENCH-{n:07d}", opening_code="DOMESTIC",
                                 grade="priority", target_at=target,
                                 person=victims[n] if n < due else None))
        incidents = Incident.objects.bulk_create(rows)
        timers = []
        for incident in incidents:
            span = timedelta(minutes=60)
            timers.append(EscalationTimer(incident=incident, point="50%",
                                          target_at=incident.target_at,
                                          due_at=incident.target_at - span / 2))
            timers.append(EscalationTimer(incident=incident, point="100%",
                                          target_at=incident.target_at,
                                          due_at=incident.target_at))
        EscalationTimer.objects.bulk_create(timers)


def _victims(count: int) -> list:
    """People who have texted the hub, so a delay notice can reach them."""
    from contact_hub.conversations.intake import InboundMessage, message_intake

    return [message_intake(InboundMessage(
        channel="sms", provider="bench", provider_message_id=f"bench-victim-{n}",
        sender=f"+4477009{n:05d}", text="he is outside")).message.conversation.person
        for n in range(count)]


def _plan(connection, now) -> str:
    from contact_hub.incidents.models import EscalationTimer

    query = (EscalationTimer.objects.filter(fired_at__isnull=True, cancelled_at__isnull=True,
                                            due_at__lte=now)
             .order_by("due_at").values_list("pk", flat=True)[:1000])
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        return " / ".join(row[0].strip() for row in cursor.fetchall())


def _naive_scan(now) -> int:
    from contact_hub.incidents.models import Incident

    passed = 0
    for created, target in Incident.objects.filter(closed_at__isnull=True).values_list(
            "created_at", "target_at").iterator(chunk_size=5000):
        if target is not None and created + (target - created) / 2 <= now:
            passed += 1
    return passed


if __name__ == "__main__":
    main()
