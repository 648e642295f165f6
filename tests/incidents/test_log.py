from __future__ import annotations

import hashlib
import hmac
import importlib
import itertools
import json
from datetime import UTC

import pytest
from django.apps import apps

from contact_hub.incidents.log import (
    GENESIS,
    KEYED,
    UNKEYED,
    entry_hash,
    log_append,
    log_append_many,
    log_verify,
)
from contact_hub.incidents.models import Incident, LogEntry
from contact_hub.incidents.services import incident_open
from tests.factories import received_message
from tests.tampering import chain_recompute
from tests.tampering import tamper as _raw

pytestmark = pytest.mark.django_db


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


def test_entries_are_signed_with_the_chain_key_over_the_actors_id(incident, coordinator,
                                                                   settings):
    entry = incident.log.get(seq=3)
    fields = {"incident": incident.reference, "seq": 3, "actor": entry.actor_label,
              "at": entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
              "kind": entry.kind, "data": entry.data, "prev": entry.prev_hash,
              "actor_id": coordinator.pk, "version": KEYED}
    key = hmac.new(settings.HUB_LOG_CHAIN_KEY.encode(), b"contact_hub.incidents.log.chain",
                   hashlib.sha256).digest()
    signed = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    assert entry.chain_version == KEYED
    assert entry.hash == hmac.new(key, signed.encode(), hashlib.sha256).hexdigest()


def test_a_chain_does_not_verify_under_another_key(incident, settings):
    settings.HUB_LOG_CHAIN_KEY = "another-key-" + "k" * 40

    problem = log_verify(_fresh(incident))

    assert problem.seq == 1
    assert "edited" in problem.reason


def test_an_entry_moved_to_another_actor_is_caught(incident, supervisor):
    _raw("UPDATE incidents_logentry SET actor_id = %s WHERE incident_id = %s AND seq = 3",
         supervisor.pk, incident.pk)

    assert log_verify(_fresh(incident)).seq == 3


def test_a_chain_rewritten_without_the_key_is_named_even_when_it_is_consistent(incident):
    _raw("UPDATE incidents_logentry SET data = %s WHERE incident_id = %s AND seq = 3",
         '{"note": "victim declined help"}', incident.pk)
    chain_recompute(incident, with_key=False)

    problem = log_verify(_fresh(incident))

    assert problem.seq == 4
    assert "not signed with the chain key" in problem.reason


def test_an_unsigned_entry_after_signed_ones_is_named(incident):
    """Marking one entry as an old unkeyed one does not let it be re-hashed without the key."""
    entry = incident.log.get(seq=4)
    digest = entry_hash(version=UNKEYED, incident_reference=incident.reference, seq=4,
                        at=entry.at, actor_id=None, actor_label=entry.actor_label,
                        kind=entry.kind, data={"note": "no answer, will not call again"},
                        prev_hash=entry.prev_hash)
    _raw("UPDATE incidents_logentry SET data = %s, hash = %s, chain_version = 1 WHERE id = %s",
         '{"note": "no answer, will not call again"}', digest, entry.pk)
    _raw("UPDATE incidents_incident SET log_head = %s WHERE id = %s", digest, incident.pk)

    problem = log_verify(_fresh(incident))

    assert problem.seq == 4
    assert "follows signed entries" in problem.reason


def _legacy_chain(incident: Incident, notes: list[str]) -> None:
    """Entries as they were written before the chain was keyed: plain SHA-256, version 1."""
    prev = GENESIS
    for seq, note in enumerate(notes, start=1):
        entry = LogEntry(incident=incident, seq=seq, at=incident.created_at, actor_label="system",
                         kind="note.added", data={"note": note}, prev_hash=prev,
                         chain_version=UNKEYED)
        entry.hash = prev = entry_hash(version=UNKEYED, incident_reference=incident.reference,
                                       seq=seq, at=entry.at, actor_id=None,
                                       actor_label="system", kind=entry.kind, data=entry.data,
                                       prev_hash=entry.prev_hash)
        entry.save()
    Incident.objects.filter(pk=incident.pk).update(log_length=len(notes), log_head=prev)


def _seal(schema_editor: object = None) -> None:
    migration = importlib.import_module("contact_hub.incidents.migrations.0005_log_chain_keyed")
    migration.seal_unkeyed_chains(apps, schema_editor)


def _bare_incident(reference: str) -> Incident:
    return Incident.objects.create(reference=reference, opening_code="domestic",
                                   grade="priority")


def test_a_chain_from_before_the_key_verifies_once_the_migration_sealed_it():
    incident = _bare_incident("INC-LEGACY-1")
    _legacy_chain(incident, ["first call", "second call"])
    assert "not signed" in log_verify(_fresh(incident)).reason

    _seal()

    seal = _fresh(incident).log.order_by("-seq").first()
    assert (seal.seq, seal.kind, seal.chain_version) == (3, "log.keyed", KEYED)
    assert log_verify(_fresh(incident)) is None
    log_append(_fresh(incident), "note.added", {"note": "third call"})
    assert log_verify(_fresh(incident)) is None


def test_old_entries_rewritten_after_sealing_no_longer_meet_the_seal():
    incident = _bare_incident("INC-LEGACY-2")
    _legacy_chain(incident, ["first call", "second call"])
    _seal()
    _raw("DELETE FROM incidents_logentry WHERE incident_id = %s AND seq < 3", incident.pk)
    _legacy_chain_entries_only(incident, ["no call", "second call"])

    problem = log_verify(_fresh(incident))

    assert problem.seq == 3
    assert "does not follow" in problem.reason


def _legacy_chain_entries_only(incident: Incident, notes: list[str]) -> None:
    stored = _fresh(incident)
    _legacy_chain(incident, notes)
    Incident.objects.filter(pk=incident.pk).update(log_length=stored.log_length,
                                                   log_head=stored.log_head)


def test_a_chain_already_broken_before_the_key_is_not_sealed():
    incident = _bare_incident("INC-LEGACY-3")
    _legacy_chain(incident, ["first call", "second call"])
    _raw("UPDATE incidents_logentry SET data = %s WHERE incident_id = %s AND seq = 2",
         '{"note": "nothing happened"}', incident.pk)

    _seal()

    assert _fresh(incident).log_length == 2
    assert log_verify(_fresh(incident)).seq == 2
