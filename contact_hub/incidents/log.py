"""The append-only, hash-chained incident log: appending entries and verifying chains.

Each entry is signed with HMAC-SHA256 under HUB_LOG_CHAIN_KEY, a secret the database does not
hold, over its incident, place in the chain, time, actor (id and name), kind, data and the hash
before it. Someone who can write the tables can still delete or rewrite entries, but cannot
make a rewritten chain verify: without the key they can only compute plain hashes, and a chain
whose newest entry is not signed is named. With the key too, only the log heads exported each
day (contact_hub/incidents/log_heads.py) can tell.

Entries written before the chain was keyed carry chain version 1 (plain SHA-256, no actor id);
migration 0005 sealed every such chain with a signed entry, so they verify as the unsigned
start of a signed chain, and an unsigned entry after a signed one is named.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from contact_hub.incidents.models import Incident, LogEntry
from contact_hub.staff.models import StaffUser

GENESIS = "0" * 64
SYSTEM = "system"
# Chain versions (LogEntry.chain_version): how an entry's hash was made.
UNKEYED = 1
KEYED = 2
CHAIN_PURPOSE = "contact_hub.incidents.log.chain"


def chain_key(purpose: str) -> bytes:
    """A key for one use of HUB_LOG_CHAIN_KEY (the chain, the heads export, the access log's
    digest), so a value made for one can never pass for another."""
    return hmac.new(settings.HUB_LOG_CHAIN_KEY.encode(), purpose.encode(),
                    hashlib.sha256).digest()


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode()


def entry_hash(*, version: int, incident_reference: str, seq: int, at: datetime,
               actor_id: int | None, actor_label: str, kind: str, data: dict[str, Any],
               prev_hash: str) -> str:
    fields: dict[str, Any] = {
        "incident": incident_reference,
        "seq": seq,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": actor_label,
        "kind": kind,
        "data": data,
        "prev": prev_hash,
    }
    if version == UNKEYED:
        return hashlib.sha256(canonical_json(fields)).hexdigest()
    if version != KEYED:
        raise ValueError(f"unknown chain version {version}")
    fields |= {"actor_id": actor_id, "version": version}
    return hmac.new(chain_key(CHAIN_PURPOSE), canonical_json(fields),
                    hashlib.sha256).hexdigest()


def _entry_hash_recomputed(entry: LogEntry, reference: str) -> str:
    return entry_hash(version=entry.chain_version, incident_reference=reference, seq=entry.seq,
                      at=entry.at, actor_id=entry.actor_id, actor_label=entry.actor_label,
                      kind=entry.kind, data=entry.data, prev_hash=entry.prev_hash)


def log_append(incident: Incident, kind: str, data: dict[str, Any] | None = None, *,
               actor: StaffUser | None = None) -> LogEntry:
    """Append an entry. Runs in the caller's transaction, serialised on the incident row."""
    return log_append_many([(incident, kind, data)], actor=actor)[0]


def log_append_many(items: Sequence[tuple[Incident, str, dict[str, Any] | None]], *,
                    actor: StaffUser | None = None) -> list[LogEntry]:
    """Append entries, in order, to one or many incidents' logs in a handful of queries.

    The incidents are locked in id order (so two callers cannot deadlock) and each chain is
    extended exactly as one `log_append` after another would extend it.
    """
    ids = sorted({incident.pk for incident, _, _ in items})
    actor_label = _actor_label(actor)
    with transaction.atomic():
        heads = {head.pk: head for head in Incident.objects.select_for_update()
                 .only("reference", "log_length", "log_head").filter(pk__in=ids).order_by("pk")}
        entries = []
        for incident, kind, data in items:
            head = heads[incident.pk]
            clean = json.loads(json.dumps(data or {}, default=str))
            seq, prev_hash, at = head.log_length + 1, head.log_head or GENESIS, timezone.now()
            digest = entry_hash(version=KEYED, incident_reference=head.reference, seq=seq,
                                at=at, actor_id=actor.pk if actor else None,
                                actor_label=actor_label, kind=kind, data=clean,
                                prev_hash=prev_hash)
            entries.append(LogEntry(incident_id=head.pk, seq=seq, at=at, actor=actor,
                                    actor_label=actor_label, kind=kind, data=clean,
                                    prev_hash=prev_hash, hash=digest, chain_version=KEYED))
            head.log_length, head.log_head = seq, digest
        LogEntry.objects.bulk_create(entries)
        Incident.objects.bulk_update(heads.values(), ["log_length", "log_head"])
    for incident, _, _ in items:
        head = heads[incident.pk]
        incident.log_length, incident.log_head = head.log_length, head.log_head
    return entries


def _actor_label(actor: StaffUser | None) -> str:
    if actor is None:
        return SYSTEM
    return f"{actor.username} ({actor.role})"


@dataclass(frozen=True)
class LogProblem:
    reference: str
    seq: int
    reason: str

    def __str__(self) -> str:
        return f"{self.reference}: entry {self.seq} {self.reason}"


def log_verify(incident: Incident) -> LogProblem | None:
    """Return the first broken entry of the incident's log, or None if the chain holds."""
    expected_prev = GENESIS
    expected_seq = 1
    last: LogEntry | None = None
    for entry in LogEntry.objects.filter(incident_id=incident.pk).order_by("seq").iterator():
        problem = _entry_problem(incident.reference, entry, expected_seq, expected_prev, last)
        if problem is not None:
            return problem
        expected_prev, expected_seq, last = entry.hash, entry.seq + 1, entry
    if expected_seq - 1 != incident.log_length or expected_prev != (incident.log_head or GENESIS):
        return LogProblem(incident.reference, expected_seq,
                          f"is missing: the log ends at entry {expected_seq - 1} but the "
                          f"incident recorded {incident.log_length}")
    if last is not None and last.chain_version != KEYED:
        return LogProblem(incident.reference, last.seq,
                          "is not signed with the chain key: the log was rewritten without "
                          "the key (or was never sealed when the chain was keyed)")
    return None


def _entry_problem(reference: str, entry: LogEntry, expected_seq: int, expected_prev: str,
                   last: LogEntry | None) -> LogProblem | None:
    if entry.seq != expected_seq:
        return LogProblem(reference, expected_seq, "is missing (deleted)")
    if entry.prev_hash != expected_prev:
        return LogProblem(reference, entry.seq, "does not follow the entry before it (an "
                          "entry was removed or changed)")
    if entry.chain_version not in (UNKEYED, KEYED):
        return LogProblem(reference, entry.seq,
                          f"has an unknown chain version ({entry.chain_version})")
    if entry.chain_version == UNKEYED and last is not None and last.chain_version == KEYED:
        return LogProblem(reference, entry.seq, f"({entry.kind}) is not signed but follows "
                          "signed entries: it was rewritten without the chain key")
    if _entry_hash_recomputed(entry, reference) != entry.hash:
        return LogProblem(reference, entry.seq, f"({entry.kind}) was edited: its hash does "
                          "not match its content")
    return None


def logs_verify(incidents: Iterable[Incident]) -> list[LogProblem]:
    return [problem for incident in incidents if (problem := log_verify(incident)) is not None]
