"""The append-only, hash-chained incident log: appending entries and verifying chains."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
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
    data = json.loads(json.dumps(data or {}, default=str))
    with transaction.atomic():
        head = Incident.objects.select_for_update().only(
            "reference", "log_length", "log_head").get(pk=incident.pk)
        seq = head.log_length + 1
        prev_hash = head.log_head or GENESIS
        at = timezone.now()
        actor_label = _actor_label(actor)
        digest = entry_hash(incident_reference=head.reference, seq=seq, at=at,
                            actor_label=actor_label, kind=kind, data=data, prev_hash=prev_hash)
        entry = LogEntry.objects.create(incident_id=head.pk, seq=seq, at=at, actor=actor,
                                        actor_label=actor_label, kind=kind, data=data,
                                        prev_hash=prev_hash, hash=digest)
        Incident.objects.filter(pk=head.pk).update(log_length=seq, log_head=digest)
    incident.log_length, incident.log_head = seq, digest
    return entry


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
