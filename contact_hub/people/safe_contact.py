"""The safe-contact plan: which channels and hours the hub may use to reach a person."""

from __future__ import annotations

import copy
from datetime import datetime, time

from django.contrib.auth.hashers import (
    PBKDF2PasswordHasher,
    check_password,
    get_hasher,
    identify_hasher,
    make_password,
)
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
            plan.code_word_hash = secret_word_hash(code_word.strip().lower())
        plan.updated_by = actor
        plan.save()
    return plan


def code_word_matches(person: Person, attempt: str) -> bool:
    plan = SafeContactPlan.objects.filter(person=person).first()
    if plan is None or not plan.code_word_hash:
        return False
    return secret_word_matches(attempt.strip().lower(), plan.code_word_hash)


# The rounds of a word hashed `quick`: a key word is compared with every phrase of each chat
# line as it arrives (rvr/suspect_present.py), dozens of checks a line, where the password
# default (a million rounds, a third of a second each) would hold the line back for seconds.
QUICK_ROUNDS = 10_000


def secret_word_hash(word: str, *, quick: bool = False) -> str:
    """A secret word agreed with a victim (a code word, a key word), as the only thing stored:
    salted and hashed with the password hashers, never readable back. The caller normalises
    the word the way its attempts will be."""
    hasher = get_hasher()
    if quick and isinstance(hasher, PBKDF2PasswordHasher):
        hasher = copy.copy(hasher)
        hasher.iterations = min(hasher.iterations, QUICK_ROUNDS)
    return make_password(word, hasher=hasher)


def secret_word_matches(attempt: str, encoded: str, *, quick: bool = False) -> bool:
    """Whether the attempt is the word `encoded` was made from (secret_word_hash). `quick`
    skips the password check's padding of a miss to the default's full cost (it hides from a
    login form how old a hash is, which a word hashed quick does not need), so a miss costs
    its own rounds only."""
    if not encoded:
        return False
    if not quick:
        return check_password(attempt, encoded)
    try:
        return identify_hasher(encoded).verify(attempt, encoded)
    except ValueError:  # not a hash any configured hasher knows
        return False
