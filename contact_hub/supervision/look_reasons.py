"""The reasons supervision gives staff to open a person's record: registered with
`conversations.looks` when the app is ready."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q

from contact_hub.conversations.looks import look_reason_register
from contact_hub.conversations.models import ConductHold
from contact_hub.staff.assignments import follow_up_period
from contact_hub.staff.models import StaffUser
from contact_hub.staff.roles import MAY_REVIEW_CONDUCT, MAY_SUPERVISE
from contact_hub.supervision.models import DipSampleItem
from contact_hub.supervision.services import shift_length


def dip_sampling(actor: StaffUser, person_id: int, now: datetime) -> str | None:
    """A supervisor checks the contacts in their sample for this shift."""
    if actor.has_role(*MAY_SUPERVISE) and DipSampleItem.objects.filter(
            sample__supervisor=actor, sample__drawn_at__gt=now - shift_length(),
            person_id=person_id).exists():
        return "dip sampling"
    return None


def deciding_held_words(actor: StaffUser, person_id: int, now: datetime) -> str | None:
    """A supervisor decides on staff words held from her (never on their own)."""
    if actor.has_role(*MAY_SUPERVISE) and ConductHold.objects.filter(
            person_id=person_id, decided_at__isnull=True).exclude(author=actor).exists():
        return "deciding on held staff words"
    return None


def reviewing_staff_conduct(actor: StaffUser, person_id: int, now: datetime) -> str | None:
    """Professional standards review staff words held from her, and contact a supervisor
    referred to them, for as long as an incident's follow-up lasts."""
    if not actor.has_role(*MAY_REVIEW_CONDUCT):
        return None
    since = now - follow_up_period()
    held = ConductHold.objects.filter(Q(decided_at__isnull=True) | Q(decided_at__gt=since),
                                      person_id=person_id)
    referred = DipSampleItem.objects.filter(person_id=person_id,
                                            verdict=DipSampleItem.Verdict.REFER,
                                            verdict_at__gt=since)
    if held.exists() or referred.exists():
        return "reviewing staff conduct towards the person"
    return None


def supervision_look_reasons_register() -> None:
    look_reason_register(dip_sampling)
    look_reason_register(deciding_held_words)
    look_reason_register(reviewing_staff_conduct)
