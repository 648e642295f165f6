"""The tamperer (THREATS.md, 5): someone with access to the database. They cannot edit or delete
an incident log entry or an access event without the database refusing it; someone who gets
past that (a superuser) is still named by `incident_log_verify`, even when they recompute the
whole chain, with the key or without it."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, transaction
from django.utils import timezone

from contact_hub.incidents.log import log_append
from contact_hub.incidents.models import Incident, LogEntry
from contact_hub.staff.audit import access_record
from contact_hub.staff.models import AccessEvent, AccessEventPerson
from tests.tampering import chain_recompute, raw, tamper

pytestmark = pytest.mark.django_db


def _refused_by_the_database(sql: str, *params: object) -> str:
    with pytest.raises(DatabaseError) as refusal, transaction.atomic():
        raw(sql, *params)
    return str(refusal.value)


@pytest.fixture
def looked_at(coordinator, incident) -> AccessEvent:
    """A list page's access event naming the incident's person."""
    event = access_record(actor=coordinator, action=AccessEvent.Action.VIEW, what="queue",
                          why="triage of a new contact")
    AccessEventPerson.objects.create(event=event, person_id=incident.person_id)
    return event


@pytest.mark.postgres
@pytest.mark.parametrize("sql", [
    "UPDATE incidents_logentry SET data = '{}' WHERE incident_id = %s",
    "DELETE FROM incidents_logentry WHERE incident_id = %s",
])
def test_the_database_refuses_to_change_or_delete_a_log_entry(incident, sql):
    before = list(LogEntry.objects.filter(incident=incident).values_list("seq", "data"))

    refusal = _refused_by_the_database(sql, incident.pk)

    assert "incident log entries are append-only" in refusal
    assert list(LogEntry.objects.filter(incident=incident).values_list("seq", "data")) == before


@pytest.mark.postgres
@pytest.mark.parametrize("sql", [
    "UPDATE staff_accessevent SET why = 'nothing to see', flagged = false WHERE id = %s",
    "DELETE FROM staff_accessevent WHERE id = %s",
    "UPDATE staff_accesseventperson SET person_id = person_id WHERE event_id = %s",
    "DELETE FROM staff_accesseventperson WHERE event_id = %s",
])
def test_the_database_refuses_to_change_or_delete_an_access_event(looked_at, sql):
    refusal = _refused_by_the_database(sql, looked_at.pk)

    assert "the access log is append-only" in refusal
    assert AccessEvent.objects.get(pk=looked_at.pk).why == "triage of a new contact"
    assert AccessEventPerson.objects.filter(event=looked_at).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_emptying_the_tables_at_once_still_works_for_test_databases(coordinator):
    """TRUNCATE is how Django empties a test database; the row triggers leave it alone (and a
    truncated log is named by verify against the incidents' heads and the exports)."""
    incident = Incident.objects.create(reference="INC-TRUNCATE", opening_code="domestic",
                                       grade="priority")
    log_append(incident, "note.added", {"note": "x"}, actor=coordinator)
    access_record(actor=coordinator, action="view", what="person", why="triage")

    raw("TRUNCATE incidents_logentry, staff_accesseventperson, staff_accessevent")

    assert not LogEntry.objects.exists()
    assert not AccessEvent.objects.exists()


def test_the_application_cannot_change_or_delete_access_events(looked_at):
    """On SQLite this guard is all there is; on PostgreSQL the trigger stands behind it."""
    looked_at.why = "nothing to see"
    link = AccessEventPerson.objects.get(event=looked_at)

    for refused in (looked_at.save, looked_at.delete, link.save, link.delete,
                    lambda: AccessEvent.objects.filter(pk=looked_at.pk).update(why="x"),
                    lambda: AccessEvent.objects.filter(pk=looked_at.pk).delete(),
                    lambda: AccessEventPerson.objects.all().delete()):
        with pytest.raises(PermissionError, match="append-only"):
            refused()


def test_the_application_cannot_change_or_delete_log_entries_in_bulk(incident):
    for refused in (lambda: LogEntry.objects.filter(incident=incident).update(kind="x"),
                    lambda: LogEntry.objects.filter(incident=incident).delete(),
                    lambda: LogEntry.objects.bulk_update(list(incident.log.all()), ["kind"])):
        with pytest.raises(PermissionError, match="append-only"):
            refused()


def _verify(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("incident_log_verify", *args, stdout=out, stderr=err)
    except CommandError as failure:
        err.write(f"FAILED {failure}")
    return out.getvalue(), err.getvalue()


def _export(tmp_path: Path) -> str:
    path = tmp_path / "heads.json"
    call_command("incident_log_heads_export", "--date", timezone.localdate().isoformat(),
                 "--out", str(path), stdout=StringIO())
    return str(path)


def test_an_edited_chain_recomputed_with_the_key_is_named_against_the_export(incident,
                                                                            tmp_path):
    export = _export(tmp_path)
    tamper("UPDATE incidents_logentry SET data = %s WHERE incident_id = %s AND seq = 1",
           '{"grade": "appointment"}', incident.pk)
    chain_recompute(incident, with_key=True)

    alone, against = _verify(), _verify("--against", export)

    assert "OK" in alone[0]
    assert f"{incident.reference}: entry {incident.log_length} is not the head exported" in (
        against[1])
    assert "FAILED" in against[1]


def test_a_chain_recomputed_without_the_key_is_named_without_any_export(incident):
    tamper("UPDATE incidents_logentry SET data = %s WHERE incident_id = %s AND seq = 1",
           '{"grade": "appointment"}', incident.pk)
    chain_recompute(incident, with_key=False)

    _, err = _verify()

    assert f"BROKEN {incident.reference}: entry {incident.log_length} is not signed with the " \
           "chain key" in err


def test_an_access_event_changed_past_the_trigger_is_named_against_the_export(looked_at,
                                                                             tmp_path):
    export = _export(tmp_path)
    tamper("UPDATE staff_accessevent SET flagged = true, why = 'routine' WHERE id = %s",
           looked_at.pk)

    _, err = _verify("--against", export)

    assert "access events of" in err
    assert "contents were changed since the export" in err


def test_an_access_event_deleted_past_the_trigger_is_named_against_the_export(looked_at,
                                                                             tmp_path):
    export = _export(tmp_path)
    tamper("DELETE FROM staff_accesseventperson WHERE event_id = %s", looked_at.pk)
    tamper("DELETE FROM staff_accessevent WHERE id = %s", looked_at.pk)

    _, err = _verify("--against", export)

    assert "events were removed or added" in err
