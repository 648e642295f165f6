"""The day's log heads: what an export holds, and what checking against it names."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from contact_hub.incidents.log import log_append
from contact_hub.incidents.log_heads import (
    access_events_summary,
    day_bounds,
    log_heads_check,
    log_heads_export,
)
from contact_hub.incidents.models import Incident
from contact_hub.staff.audit import access_record
from contact_hub.staff.models import AccessEvent, AccessEventPerson
from tests.factories import received_message
from tests.tampering import chain_recompute, tamper

pytestmark = pytest.mark.django_db


def _today() -> datetime:
    return timezone.localtime()


def _fresh(incident: Incident) -> Incident:
    return Incident.objects.get(pk=incident.pk)


def test_the_day_runs_from_midnight_to_midnight_in_the_forces_time_zone():
    since, until = day_bounds(datetime(2026, 7, 1).date())

    assert (since.isoformat(), until.isoformat()) == ("2026-07-01T00:00:00+01:00",
                                                      "2026-07-02T00:00:00+01:00")


def test_it_exports_each_incidents_head_and_length(incident):
    export = log_heads_export(_today().date())

    assert export["format"] == "contact-hub-log-heads/1"
    assert export["incidents"] == [{"reference": incident.reference, "log_length": 4,
                                    "log_head": _fresh(incident).log_head}]


def test_it_exports_the_heads_as_they_stood_at_the_end_of_the_day(incident, monkeypatch,
                                                                 coordinator):
    day = _today().date()
    head_at_end_of_day = _fresh(incident).log_head
    tomorrow = day_bounds(day)[1] + timedelta(hours=1)
    monkeypatch.setattr(timezone, "now", lambda: tomorrow)
    log_append(incident, "note.added", {"note": "next morning"}, actor=coordinator)

    export = log_heads_export(day)

    assert export["incidents"][0] == {"reference": incident.reference, "log_length": 4,
                                      "log_head": head_at_end_of_day}


def test_an_incident_with_no_entry_by_the_end_of_the_day_is_not_exported(incident):
    yesterday = _today().date() - timedelta(days=1)

    assert log_heads_export(yesterday, now=timezone.now())["incidents"] == []


def test_nothing_differs_from_a_fresh_export(incident, coordinator):
    access_record(actor=coordinator, action=AccessEvent.Action.VIEW, what="person",
                  why="triage", person_id=incident.person_id)

    assert log_heads_check(log_heads_export(_today().date())) == []


def test_a_chain_recomputed_with_the_key_is_named(incident):
    export = log_heads_export(_today().date())
    tamper("UPDATE incidents_logentry SET data = %s WHERE incident_id = %s AND seq = 2",
           '{"linked": "nothing"}', incident.pk)
    chain_recompute(incident, with_key=True)

    problems = log_heads_check(export)

    assert [str(p) for p in problems] == [
        f"{incident.reference}: entry 4 is not the head exported on {export['date']}: the log "
        "was rewritten"]


def test_an_incident_that_is_gone_is_named(incident):
    """Its rows may still be there under another reference: the one exported is gone."""
    export = log_heads_export(_today().date())
    tamper("UPDATE incidents_incident SET reference = 'INC-SOMETHING-ELSE' WHERE id = %s",
           incident.pk)

    problems = log_heads_check(export)

    assert [p.subject for p in problems] == [incident.reference]
    assert "is gone: the export of" in problems[0].reason


def test_only_the_incidents_named_are_checked(incident):
    other = Incident.objects.create(reference="INC-OTHER", opening_code="domestic",
                                    grade="priority")
    log_append(other, "note.added", {"note": "x"})
    export = log_heads_export(_today().date())
    tamper("DELETE FROM incidents_logentry WHERE incident_id = %s", other.pk)

    assert log_heads_check(export, references=[incident.reference]) == []
    assert [p.subject for p in log_heads_check(export)] == ["INC-OTHER"]


def test_the_days_access_events_are_counted_and_digested(coordinator, incident):
    day = _today().date()
    first = access_record(actor=coordinator, action="view", what="person", why="triage",
                          person_id=incident.person_id)
    last = access_record(actor=coordinator, action="view", what="queue", why="triage")
    AccessEventPerson.objects.create(event=last, person_id=incident.person_id)

    summary = log_heads_export(day)["access_events"]

    assert (summary["count"], summary["first_id"], summary["last_id"],
            summary["high_water_id"]) == (2, first.pk, last.pk, last.pk)
    assert len(summary["digest"]) == 64


@pytest.mark.parametrize("change, named", [
    ("UPDATE staff_accessevent SET why = 'no reason' WHERE id = %(event)s",
     "contents were changed"),
    ("UPDATE staff_accessevent SET flagged = false WHERE id = %(event)s",
     "contents were changed"),
    ("DELETE FROM staff_accesseventperson WHERE event_id = %(event)s", "contents were changed"),
    ("DELETE FROM staff_accessevent WHERE id = %(other)s", "removed or added"),
    ("UPDATE staff_accessevent SET at = at - interval '3 days' WHERE id = %(other)s",
     "removed or added"),
])
def test_any_change_to_the_days_access_events_is_named(coordinator, incident, change, named):
    person = received_message().conversation.person
    event = access_record(actor=coordinator, action="view", what="queue", why="triage",
                          flagged=True)
    AccessEventPerson.objects.create(event=event, person=person)
    other = access_record(actor=coordinator, action="view", what="person", why="triage",
                          person_id=person.pk)
    export = log_heads_export(_today().date())
    tamper(change % {"event": event.pk, "other": other.pk})

    problems = log_heads_check(export)

    assert [p.subject for p in problems] == [f"access events of {export['date']}"]
    assert named in problems[0].reason


def test_an_access_event_backdated_into_the_day_is_named(coordinator, incident):
    export = log_heads_export(_today().date())
    since = datetime.fromisoformat(export["since"])
    event = access_record(actor=coordinator, action="view", what="person", why="triage")
    tamper("UPDATE staff_accessevent SET at = %s WHERE id = %s", since, event.pk)

    problems = log_heads_check(export)

    assert "removed or added" in problems[0].reason


def test_the_summary_covers_only_the_window_it_is_given(coordinator):
    event = access_record(actor=coordinator, action="view", what="person", why="triage")
    later = event.at + timedelta(seconds=1)

    assert access_events_summary(event.at, later)["count"] == 1
    assert access_events_summary(later, later + timedelta(days=1))["count"] == 0
