"""The reasons the triage queue gives staff to open a person's record without holding anything
of theirs: registered with `conversations.looks` when the app is ready."""

from __future__ import annotations

from datetime import datetime

from contact_hub.conversations.looks import look_reason_register
from contact_hub.staff.models import StaffUser
from contact_hub.staff.roles import MAY_TRIAGE
from contact_hub.triage.models import ContactTriage


def contact_waiting_in_triage(actor: StaffUser, person_id: int, now: datetime) -> str | None:
    """A contact nobody has dealt with yet is on every coordinator's queue."""
    if actor.has_role(*MAY_TRIAGE) and ContactTriage.objects.filter(
            person_id=person_id, handled_at__isnull=True).exists():
        return "triage queue: a contact waiting"
    return None


def triage_look_reasons_register() -> None:
    look_reason_register(contact_waiting_in_triage)
