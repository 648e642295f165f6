"""The safe-contact plan: which channels and hours the hub may use to reach a person."""

from __future__ import annotations

from datetime import datetime, time

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone

from contact_hub.people.models import Person, SafeContactPlan
from contact_hub.staff.models import StaffUser


def safe_contact_refusal(person: Person, channel: str, *, now: datetime | None = None,
                         any_hour: bool = False) -> str | None:
    """Why a text on `channel` now would break the person's plan, or None if it is safe.

    `any_hour` asks about the channel alone, for a text that can wait for the safe hours."""
    plan = SafeContactPlan.objects.filter(person=person).first()
    if plan is None:
        return None
    if plan.channels and channel not in plan.channels:
        return f"The safe-contact plan does not allow {channel}."
    if plan.safe_from and plan.safe_until and not any_hour:
        local = timezone.localtime(now or timezone.now()).time()
        if not within_window(local, plan.safe_from, plan.safe_until):
            return (f"Outside the safe hours ({plan.safe_from:%H:%M} to {plan.safe_until:%H:%M}) "
                    "in the safe-contact plan.")
    return None


def within_window(moment: time, start: time, end: time) -> bool:
    if start <= end:
        return start <= moment < end
    return moment >= start or moment < end  # the window passes midnight


def safe_contact_plan_save(*, person: Person, actor: StaffUser, channels: list[str],
                           safe_from: time | None, safe_until: time | None,
                           voicemail_ok: bool, code_word: str = "") -> SafeContactPlan:
    with transaction.atomic():
        plan, _ = SafeContactPlan.objects.get_or_create(person=person)
        plan.channels = sorted(set(channels))
        plan.safe_from, plan.safe_until = safe_from, safe_until
        plan.voicemail_ok = voicemail_ok
        if code_word.strip():
            plan.code_word_hash = make_password(code_word.strip().lower())
        plan.updated_by = actor
        plan.save()
    return plan


def code_word_matches(person: Person, attempt: str) -> bool:
    plan = SafeContactPlan.objects.filter(person=person).first()
    if plan is None or not plan.code_word_hash:
        return False
    return check_password(attempt.strip().lower(), plan.code_word_hash)
