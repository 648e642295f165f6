"""Checking what a video call kept as evidence against the incident log: every location she
shared, every photo or file she sent and every still the officer captured must be the one the
log's entry for it names (its digest or SHA-256), and every such entry must have its row.

The log is hash-chained and signed (contact_hub/incidents/log.py), so someone who can write the
tables and replaces a photo together with its sha256 column, or moves a location, is caught
here: the log still holds the hash of what was first stored. Problems name rows by id only,
never a coordinate or a byte of what she sent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction

from contact_hub.incidents.log import log_verify
from contact_hub.incidents.models import Incident, LogEntry
from rvr.location import LOCATION_KIND, location_fix_digest
from rvr.models import EvidenceStill, VictimLocation, VictimUpload

UPLOAD_KIND = "evidence.victim_upload"
STILL_KIND = "evidence.still_captured"


@dataclass(frozen=True)
class EvidenceProblem:
    what: str  # e.g. "victim upload 7"
    problem: str

    def __str__(self) -> str:
        return f"{self.what} {self.problem}"


@dataclass
class EvidenceCheck:
    incident: Incident
    checked: int = 0
    problems: list[EvidenceProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _upload_hashes(upload: VictimUpload) -> dict[str, str]:
    display = hashlib.sha256(bytes(upload.display)).hexdigest() if upload.display else ""
    return {"sha256": hashlib.sha256(bytes(upload.original)).hexdigest(),
            "display_sha256": display}


def _still_hashes(still: EvidenceStill) -> dict[str, str]:
    return {"sha256": hashlib.sha256(bytes(still.image)).hexdigest()}


def _location_hashes(location: VictimLocation) -> dict[str, str]:
    return {"fix_digest": location_fix_digest(location)}


@dataclass(frozen=True)
class _Kept:
    """One kind of evidence: its log entry's kind, the entry's key naming the row, the rows, and
    the hashes recomputed from a row's stored content, each to equal the entry's."""

    label: str
    log_kind: str
    id_key: str
    model: type[models.Model]
    hashes: Callable[[Any], dict[str, str]]


KEPT = (
    _Kept("victim location", LOCATION_KIND, "location_id", VictimLocation, _location_hashes),
    _Kept("victim upload", UPLOAD_KIND, "upload_id", VictimUpload, _upload_hashes),
    _Kept("evidence still", STILL_KIND, "evidence_id", EvidenceStill, _still_hashes),
)


def evidence_verify(incident: Incident) -> EvidenceCheck:
    """Check the incident's log chain, then each kept location, upload and still against the
    entry the log holds for it."""
    check = EvidenceCheck(incident=incident)
    with transaction.atomic():
        # New evidence waits on this lock (log_append takes it), so rows and log agree in time.
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        log_problem = log_verify(incident)
        if log_problem is not None:
            check.problems.append(EvidenceProblem("incident log", str(log_problem)))
        for kept in KEPT:
            check.problems.extend(_kept_problems(incident, kept, check))
    return check


def _kept_problems(incident: Incident, kept: _Kept,
                   check: EvidenceCheck) -> Iterable[EvidenceProblem]:
    entries = {entry.data.get(kept.id_key): entry.data for entry in
               LogEntry.objects.filter(incident_id=incident.pk, kind=kept.log_kind)}
    rows = kept.model.objects.filter(incident_id=incident.pk).order_by("pk")  # type: ignore[attr-defined]
    seen: set[int] = set()
    for row in rows.iterator():
        check.checked += 1
        seen.add(row.pk)
        what = f"{kept.label} {row.pk}"
        logged = entries.get(row.pk)
        if logged is None:
            yield EvidenceProblem(what, "has no entry in the incident log")
            continue
        if logged.get("session_id") != row.session_id:
            yield EvidenceProblem(what, "is on another call than its log entry names")
        for key, value in kept.hashes(row).items():
            if logged.get(key) != value:
                yield EvidenceProblem(what, f"does not match the {key} in its log entry")
    for missing in sorted(set(entries) - seen, key=str):
        yield EvidenceProblem(f"{kept.label} {missing}", "is in the incident log but not kept")
