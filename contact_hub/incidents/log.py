"""The append-only, hash-chained incident log: appending entries and verifying chains."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from contact_hub.incidents.models import Incident, LogEntry
from contact_hub.staff.models import StaffUser

GENESIS = "0" * 64
SYSTEM = "system"


def entry_hash(*, incident_reference: str, seq: int, at: datetime, actor_label: str, kind: str,
               data: dict[str, Any], prev_hash: str) -> str:
    canonical = json.dumps(
        {
            "incident": incident_reference,
            "seq": seq,
            "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": actor_label,
            "kind": kind,
            "data": data,
            "prev": prev_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


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
            digest = entry_hash(incident_reference=head.reference, seq=seq, at=at,
                                actor_label=actor_label, kind=kind, data=clean,
                                prev_hash=prev_hash)
            entries.append(LogEntry(incident_id=head.pk, seq=seq, at=at, actor=actor,
                                    actor_label=actor_label, kind=kind, data=clean,
                                    prev_hash=prev_hash, hash=digest))
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
    for entry in LogEntry.objects.filter(incident_id=incident.pk).order_by("seq").iterator():
        if entry.seq != expected_seq:
            return LogProblem(incident.reference, expected_seq, "is missing (deleted)")
        if entry.prev_hash != expected_prev:
            return LogProblem(incident.reference, entry.seq,
                              "does not follow the entry before it (an entry was removed "
                              "or changed)")
        recomputed = entry_hash(incident_reference=incident.reference, seq=entry.seq,
                                at=entry.at, actor_label=entry.actor_label, kind=entry.kind,
                                data=entry.data, prev_hash=entry.prev_hash)
        if recomputed != entry.hash:
            return LogProblem(incident.reference, entry.seq,
                              f"({entry.kind}) was edited: its hash does not match its content")
        expected_prev, expected_seq = entry.hash, entry.seq + 1
    if expected_seq - 1 != incident.log_length or expected_prev != (incident.log_head or GENESIS):
        return LogProblem(incident.reference, expected_seq,
                          f"is missing: the log ends at entry {expected_seq - 1} but the "
                          f"incident recorded {incident.log_length}")
    return None


def logs_verify(incidents: Iterable[Incident]) -> list[LogProblem]:
    return [problem for incident in incidents if (problem := log_verify(incident)) is not None]
