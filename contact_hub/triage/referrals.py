"""Allegations of misconduct by officers or staff, raised in passing in a contact: a restricted
item for professional standards, never shown to the member of staff it names."""

from __future__ import annotations

import re

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from contact_hub.conversations.models import Message
from contact_hub.live import LiveEvent, live_event_send
from contact_hub.staff.models import StaffUser
from contact_hub.staff.roles import MAY_REVIEW_CONDUCT
from contact_hub.triage.models import MisconductReferral


class ReferralRefused(ValueError):
    """The change is not allowed; the reason is safe to show to staff."""


def named_staff_find(text: str) -> StaffUser | None:
    """The member of staff the words name: by collar number, or by first and last name."""
    for user in StaffUser.objects.filter(is_active=True).only(
            "pk", "collar_number", "first_name", "last_name"):
        names = []
        if user.collar_number:
            names.append(user.collar_number)
        if user.first_name and user.last_name:
            names.append(f"{user.first_name} {user.last_name}")
        if any(re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.IGNORECASE)
               for name in names):
            return user
    return None


def referral_open(*, message: Message, words: list[str],
                  actor: StaffUser | None) -> MisconductReferral:
    """Open the restricted item for the contact, once however often triage runs."""
    with transaction.atomic():
        referral, created = MisconductReferral.objects.get_or_create(
            message=message, defaults={
                "person_id": message.conversation.person_id, "words": words,
                "named_staff": named_staff_find(message.text), "opened_by": actor,
            })
    if created:
        live_event_send(LiveEvent.REFERRAL_OPENED, referral_id=referral.pk)
    return referral


def referrals_visible_to(user: StaffUser) -> QuerySet[MisconductReferral]:
    """Referrals professional standards may see: none to anyone else, and never the ones that
    name the viewer."""
    if not user.has_role(*MAY_REVIEW_CONDUCT):
        return MisconductReferral.objects.none()
    return (MisconductReferral.objects.filter(~Q(named_staff=user) | Q(named_staff__isnull=True))
            .select_related("message", "named_staff").order_by("closed_at", "-opened_at"))


def referral_close(*, referral: MisconductReferral, outcome: str,
                   actor: StaffUser) -> MisconductReferral:
    outcome = outcome.strip()
    if not outcome:
        raise ReferralRefused("Record the outcome.")
    MisconductReferral.objects.filter(pk=referral.pk, closed_at__isnull=True).update(
        closed_at=timezone.now(), outcome=outcome[:300])
    referral.refresh_from_db()
    return referral
