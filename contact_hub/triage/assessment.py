"""How urgent a waiting contact is: its risk (for the queue's order) and the grade suggested to
the coordinator, from the contact's flags and the person's markers."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from contact_hub.incidents.grades import grade_most_urgent
from contact_hub.live import live_event_send
from contact_hub.triage.models import ContactTriage, RiskFlag
from contact_hub.triage.rules import flag_weight, risk_rule
from contact_hub.triage.selectors import markers_active

# A flagged contact from someone with a marker is more urgent than either alone.
FLAG_AND_MARKER_BONUS = 10


def triage_assess(triage: ContactTriage) -> ContactTriage:
    """Risk and suggested grade from the contact's flags and the person's markers."""
    kinds = list(RiskFlag.objects.filter(message_id=triage.message_id, removed_at__isnull=True)
                 .values_list("kind", flat=True))
    markers = list(markers_active(triage.person_id))
    risk = max([flag_weight(k) for k in kinds] + [_marker_risk(m.kind) for m in markers] + [0])
    suggestions = [getattr(risk_rule(k), "suggest_grade", None) for k in kinds]
    suggestions += [m.raises_grade_to for m in markers]
    triage.risk = min(100, risk + (FLAG_AND_MARKER_BONUS if markers and kinds else 0))
    triage.suggested_grade = grade_most_urgent(suggestions) or ""
    ContactTriage.objects.filter(pk=triage.pk).update(risk=triage.risk,
                                                      suggested_grade=triage.suggested_grade)
    return triage


def _marker_risk(kind: str) -> int:
    return int(settings.HUB_MARKER_KINDS.get(kind, {}).get("risk", 0))


def person_triage_reassess(person_id: int) -> None:
    """A marker changed: the person's waiting contacts take it into account."""
    for triage in ContactTriage.objects.filter(person_id=person_id, handled_at__isnull=True):
        triage_assess(triage)
    transaction.on_commit(lambda: live_event_send("queue.changed", person_id=person_id))
