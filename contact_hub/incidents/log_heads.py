"""The day's log heads: what the incident logs and the access log held at the end of a day,
exported to a file kept away from the database (`manage.py incident_log_heads_export`).

The keyed chain stops anyone without HUB_LOG_CHAIN_KEY from rewriting a log so that it still
verifies. Someone who has the key as well as the database could recompute a whole chain; the
export is what catches them: `incident_log_verify --against FILE` names every incident whose
log no longer reaches the head it had that day, or is shorter, or is gone, and the day's
access events if any was changed, removed or added since (a keyed digest over them all).
The export is signed with the same key, so a changed file is refused rather than believed.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import Max, OuterRef, Q, Subquery
from django.utils import timezone

from contact_hub.incidents.log import canonical_json, chain_key
from contact_hub.incidents.models import Incident, LogEntry
from contact_hub.staff.models import AccessEvent, AccessEventPerson

FORMAT = "contact-hub-log-heads/1"
EXPORT_PURPOSE = "contact_hub.incidents.log_heads.export"
ACCESS_PURPOSE = "contact_hub.incidents.log_heads.access_events"
CHECK_BATCH = 500


@dataclass(frozen=True)
class HeadsProblem:
    subject: str
    reason: str

    def __str__(self) -> str:
        return f"{self.subject}: {self.reason}"


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The day as the force lives it (TIME_ZONE), from midnight to midnight."""
    zone = timezone.get_current_timezone()
    start = datetime.combine(day, time.min, tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)


def log_heads_export(day: date, *, now: datetime | None = None) -> dict[str, Any]:
    """Every incident's log head as it stood at the end of `day` (or now, for today), and a
    digest of the day's access events, signed. Run it after the day ends."""
    now = now or timezone.now()
    since, until = day_bounds(day)
    until = min(until, now)
    export: dict[str, Any] = {
        "format": FORMAT,
        "date": day.isoformat(),
        "since": _iso(since),
        "until": _iso(until),
        "generated_at": _iso(now),
        "incidents": [{"reference": reference, "log_length": length, "log_head": head}
                      for reference, length, head in _heads_at(until)],
        "access_events": access_events_summary(since, until),
    }
    export["signature"] = _signature(export)
    return export


def _heads_at(until: datetime) -> list[tuple[str, int, str]]:
    last = LogEntry.objects.filter(incident=OuterRef("pk"), at__lt=until).order_by("-seq")
    return list(Incident.objects.annotate(
        day_length=Subquery(last.values("seq")[:1]), day_head=Subquery(last.values("hash")[:1]))
        .filter(day_length__isnull=False).order_by("pk")
        .values_list("reference", "day_length", "day_head"))


def access_events_summary(since: datetime, until: datetime) -> dict[str, Any]:
    """How many access events were recorded in [since, until), which ids they run between, the
    highest id recorded by `until`, and a keyed digest over every field of each, with the
    people each list page's event names."""
    events = AccessEvent.objects.filter(at__gte=since, at__lt=until).order_by("pk")
    people: dict[int, list[int]] = defaultdict(list)
    for event_id, person_id in (AccessEventPerson.objects.filter(event__in=events)
                                .order_by("event_id", "person_id")
                                .values_list("event_id", "person_id").iterator()):
        people[event_id].append(person_id)
    digest = hmac.new(chain_key(ACCESS_PURPOSE), digestmod=hashlib.sha256)
    count, first_id, last_id = 0, None, None
    for pk, at, actor_id, action, person_id, what, why, flagged in events.values_list(
            "pk", "at", "actor_id", "action", "person_id", "what", "why", "flagged").iterator():
        digest.update(canonical_json([pk, _iso(at), actor_id, action, person_id, what, why,
                                      flagged, people.get(pk, [])]) + b"\n")
        count, last_id = count + 1, pk
        first_id = pk if first_id is None else first_id
    high_water = AccessEvent.objects.filter(at__lt=until).aggregate(top=Max("pk"))["top"]
    return {"count": count, "first_id": first_id, "last_id": last_id,
            "high_water_id": high_water, "digest": digest.hexdigest()}


def log_heads_check(export: dict[str, Any], *,
                    references: Collection[str] = ()) -> list[HeadsProblem]:
    """Everything that no longer matches an export: logs rewritten, cut short or gone, and the
    day's access events changed. `references` limits the incidents checked."""
    subject = f"export of {export.get('date', '?')}"
    if export.get("format") != FORMAT:
        return [HeadsProblem(subject, f"is not a log heads export ({FORMAT})")]
    if not hmac.compare_digest(str(export.get("signature", "")), _signature(export)):
        return [HeadsProblem(subject, "does not carry a valid signature: the file was changed "
                             "or made with another HUB_LOG_CHAIN_KEY")]
    heads = [h for h in export["incidents"] if not references or h["reference"] in references]
    problems = []
    for start in range(0, len(heads), CHECK_BATCH):
        problems += _incident_heads_check(heads[start:start + CHECK_BATCH], export["date"])
    if not references:
        problems += _access_events_check(export)
    return problems


def _incident_heads_check(heads: list[dict[str, Any]], day: str) -> list[HeadsProblem]:
    incidents = {reference: (pk, length) for reference, pk, length in Incident.objects.filter(
        reference__in=[h["reference"] for h in heads]).values_list("reference", "pk",
                                                                   "log_length")}
    wanted = Q(pk__in=[])
    for head in heads:
        if head["reference"] in incidents:
            wanted |= Q(incident_id=incidents[head["reference"]][0], seq=head["log_length"])
    stored = {(incident_id, seq): digest for incident_id, seq, digest
              in LogEntry.objects.filter(wanted).values_list("incident_id", "seq", "hash")}
    problems = []
    for head in heads:
        reference, length = head["reference"], head["log_length"]
        if reference not in incidents:
            problems.append(HeadsProblem(reference, f"is gone: the export of {day} recorded "
                                         f"its log with {length} entries"))
            continue
        pk, now_length = incidents[reference]
        digest = stored.get((pk, length))
        if now_length < length or digest is None:
            problems.append(HeadsProblem(reference, f"the log is shorter than it was: "
                                         f"{length} entries were exported on {day}, entry "
                                         f"{length} is gone (the incident records {now_length})"))
        elif not hmac.compare_digest(digest, head["log_head"]):
            problems.append(HeadsProblem(reference, f"entry {length} is not the head exported "
                                         f"on {day}: the log was rewritten"))
    return problems


def _access_events_check(export: dict[str, Any]) -> list[HeadsProblem]:
    exported = export["access_events"]
    since, until = (datetime.fromisoformat(export[k]) for k in ("since", "until"))
    now = access_events_summary(since, until)
    subject = f"access events of {export['date']}"
    if now["count"] != exported["count"] or now["first_id"] != exported["first_id"] or (
            now["last_id"] != exported["last_id"]):
        return [HeadsProblem(subject, f"{now['count']} now (ids {now['first_id']} to "
                             f"{now['last_id']}), {exported['count']} exported (ids "
                             f"{exported['first_id']} to {exported['last_id']}): events were "
                             "removed or added")]
    if not hmac.compare_digest(now["digest"], exported["digest"]):
        return [HeadsProblem(subject, f"the {exported['count']} events are all there but "
                             "their contents were changed since the export")]
    if (now["high_water_id"] or 0) < (exported["high_water_id"] or 0):
        return [HeadsProblem(subject, f"the newest access event by the end of the day "
                             f"({exported['high_water_id']}) is gone")]
    return []


def _signature(export: dict[str, Any]) -> str:
    body = {key: value for key, value in export.items() if key != "signature"}
    return hmac.new(chain_key(EXPORT_PURPOSE), canonical_json(body), hashlib.sha256).hexdigest()


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")
