"""How urgent a waiting contact is: its risk (for the queue's order) and the grade suggested to
the coordinator, from the contact's flags and the person's markers."""

from __future__ import annotations

from collections import defaultdict

from django.conf import settings

from contact_hub.incidents.grades import grade_most_urgent
from contact_hub.live import LiveEvent, live_event_send
from contact_hub.triage.models import ContactTriage, Marker, RiskFlag
from contact_hub.triage.rules import flag_weight, risk_rule
from contact_hub.triage.selectors import markers_active_for

# A flagged contact from someone with a marker is more urgent than either alone.
FLAG_AND_MARKER_BONUS = 10


def triage_assess(triage: ContactTriage) -> ContactTriage:
    """Risk and suggested grade from the contact's flags and the person's markers."""
    return triages_assess([triage])[0]


def triages_assess(triages: list[ContactTriage], *,
                   kinds: dict[int, list[str]] | None = None,
                   markers: dict[int, list[Marker]] | None = None) -> list[ContactTriage]:
    """triage_assess for many contacts at once, in a few queries: none for the flags' kinds
    (by message id) or the markers in force (by person id) that the caller has read already."""
    if kinds is None:
        kinds = defaultdict(list)
        for message_id, kind in RiskFlag.objects.filter(
                message_id__in=[t.message_id for t in triages],
                removed_at__isnull=True).values_list("message_id", "kind"):
            kinds[message_id].append(kind)
    if markers is None:
        markers = defaultdict(list)
        for marker in markers_active_for({t.person_id for t in triages}):
            markers[marker.person_id].append(marker)
    outcomes: dict[tuple[int, str], list[int]] = defaultdict(list)
    for triage in triages:
        stored = (triage.risk, triage.suggested_grade)
        _assess(triage, kinds.get(triage.message_id, []), markers.get(triage.person_id, []))
        # Each triage is as read from the database: one whose outcome is the same (intake's,
        # from the rules alone, unless markers change it) is left as it is.
        if (triage.risk, triage.suggested_grade) != stored:
            outcomes[triage.risk, triage.suggested_grade].append(triage.pk)
    # Few distinct outcomes however many contacts: one plain UPDATE each is far cheaper than
    # bulk_update's CASE per row.
    for (risk, grade), pks in outcomes.items():
        ContactTriage.objects.filter(pk__in=pks).update(risk=risk, suggested_grade=grade)
    return triages


def triage_assess_by_rules(triage: ContactTriage, kinds: list[str]) -> ContactTriage:
    """The part of the assessment that needs nothing but the flags the rules raised (no
    database): what intake can give a contact at once. The markers follow with triage_assess."""
    _assess(triage, kinds, [])
    return triage


def _assess(triage: ContactTriage, kinds: list[str], markers: list[Marker]) -> None:
    risk = max([flag_weight(k) for k in kinds] + [_marker_risk(m.kind) for m in markers] + [0])
    suggestions = [getattr(risk_rule(k), "suggest_grade", None) for k in kinds]
    suggestions += [m.raises_grade_to for m in markers]
    triage.risk = min(100, risk + (FLAG_AND_MARKER_BONUS if markers and kinds else 0))
    triage.suggested_grade = grade_most_urgent(suggestions) or ""


def _marker_risk(kind: str) -> int:
    return int(settings.HUB_MARKER_KINDS.get(kind, {}).get("risk", 0))


def person_triage_reassess(person_id: int) -> None:
    """A marker changed: the person's waiting contacts take it into account."""
    triages_assess(list(ContactTriage.objects.filter(person_id=person_id,
                                                     handled_at__isnull=True)))
    live_event_send(LiveEvent.QUEUE_CHANGED, person_id=person_id)
