from __future__ import annotations

import itertools

import pytest
from django.db import connection

from contact_hub.incidents.log import GENESIS, log_append, log_append_many, log_verify
from contact_hub.incidents.models import Incident, LogEntry
from contact_hub.incidents.services import incident_open
from tests.factories import received_message

pytestmark = pytest.mark.django_db


def _raw(sql: str, *params: object) -> None:
    """Change the table behind the application's back, as someone with database access could."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _fresh(incident: Incident) -> Incident:
    return Incident.objects.get(pk=incident.pk)


def test_each_entry_is_chained_to_the_one_before(incident):
    entries = list(incident.log.order_by("seq"))

    assert [e.seq for e in entries] == [1, 2, 3, 4]
    assert entries[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    assert _fresh(incident).log_head == entries[-1].hash
    assert log_verify(_fresh(incident)) is None


def test_many_entries_across_incidents_chain_as_one_append_after_another(incident, coordinator):
    other = incident_open(opening_code="domestic", grade="priority", actor=coordinator,
                          message=received_message(text="someone at the window"))
    length_before = (incident.log_length, other.log_length)

    entries = log_append_many([(incident, "escalation.alerted", {"point": "50%"}),
                               (other, "escalation.alerted", {"point": "50%"}),
                               (incident, "victim.told_of_delay", {"channel": "sms"})])

    assert [(e.incident_id, e.seq) for e in entries] == [
        (incident.pk, length_before[0] + 1), (other.pk, length_before[1] + 1),
        (incident.pk, length_before[0] + 2)]
    assert entries[2].prev_hash == entries[0].hash
    assert (incident.log_length, incident.log_head) == (length_before[0] + 2, entries[2].hash)
    assert log_verify(_fresh(incident)) is None
    assert log_verify(_fresh(other)) is None


def test_entries_record_actor_time_kind_and_data(incident, coordinator):
    entry = incident.log.get(seq=3)

    assert entry.actor == coordinator
    assert entry.actor_label == "casey (coordinator)"
    assert entry.kind == "note.added"
    assert entry.data == {"note": "victim asked for a call after 6pm"}
    assert entry.at.utcoffset().total_seconds() == 0


def test_the_application_cannot_edit_or_delete_an_entry(incident):
    entry = incident.log.get(seq=2)
    entry.kind = "something.else"

    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()


def test_an_edited_entry_is_named(incident):
    _raw("UPDATE incidents_logentry SET data = %s WHERE incident_id = %s AND seq = 3",
         '{"note": "victim declined help"}', incident.pk)

    problem = log_verify(_fresh(incident))

    assert problem.seq == 3
    assert "edited" in problem.reason
    assert str(problem).startswith(f"{incident.reference}: entry 3")


def test_an_edited_actor_is_caught(incident):
    _raw("UPDATE incidents_logentry SET actor_label = 'someone else' WHERE incident_id = %s "
         "AND seq = 1", incident.pk)

    assert log_verify(_fresh(incident)).seq == 1


def test_a_deleted_entry_in_the_middle_is_named(incident):
    _raw("DELETE FROM incidents_logentry WHERE incident_id = %s AND seq = 2", incident.pk)

    problem = log_verify(_fresh(incident))

    assert problem.seq == 2
    assert "missing" in problem.reason


def test_deleting_the_newest_entry_is_caught(incident):
    _raw("DELETE FROM incidents_logentry WHERE incident_id = %s AND seq = 4", incident.pk)

    problem = log_verify(_fresh(incident))

    assert problem.seq == 4
    assert "missing" in problem.reason


def test_a_rewritten_chain_is_caught_by_the_recorded_head(incident):
    """Someone who deletes the tail and re-hashes cannot also match the incident's head."""
    _raw("DELETE FROM incidents_logentry WHERE incident_id = %s AND seq > 2", incident.pk)
    _raw("UPDATE incidents_incident SET log_length = 2 WHERE id = %s", incident.pk)

    assert log_verify(_fresh(incident)).seq == 3


def test_appending_after_verification_keeps_the_chain_whole(incident):
    log_append(incident, "incident.closed", {"reason": "resolved by video"})

    assert LogEntry.objects.filter(incident=incident).count() == 5
    assert log_verify(_fresh(incident)) is None
