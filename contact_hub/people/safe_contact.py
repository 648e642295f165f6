"""The safe-contact plan: which channels and hours the hub may use to reach a person."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, time

from django.conf import settings
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
            plan.code_word_hash = secret_word_hash(code_word.strip().lower())
        plan.updated_by = actor
        plan.save()
    return plan


def code_word_matches(person: Person, attempt: str) -> bool:
    plan = SafeContactPlan.objects.filter(person=person).first()
    if plan is None or not plan.code_word_hash:
        return False
    return secret_word_matches(attempt.strip().lower(), plan.code_word_hash)


def secret_word_hash(word: str) -> str:
    """A code word agreed with a victim, as the only thing stored: salted and hashed with the
    password hashers, never readable back. The caller normalises the word the way its attempts
    will be."""
    return make_password(word)


def secret_word_matches(attempt: str, encoded: str) -> bool:
    """Whether the attempt is the word `encoded` was made from (secret_word_hash)."""
    if not encoded:
        return False
    return check_password(attempt, encoded)


# A word compared with every phrase of a chat line as it arrives (the RVR key word) cannot
# afford a password hash per phrase: it is kept as an HMAC-SHA256 under a key derived from
# SECRET_KEY (never in the database, so a dump alone cannot test guesses), salted per word.
KEYED_SCHEME = "hmac_sha256"
_KEYED_SALT_BYTES = 16


def keyed_word_hash(word: str, *, purpose: str) -> str:
    """"hmac_sha256$<salt>$<digest>": distinguishable from a password hash, never readable
    back. `purpose` keeps one feature's digests from matching another's."""
    salt = secrets.token_hex(_KEYED_SALT_BYTES)
    digest = _keyed_digest(_keyed_start(_keyed_keys(purpose)[0], salt), word)
    return f"{KEYED_SCHEME}${salt}${digest.hex()}"


def keyed_words_match(attempts: list[str], encoded: str, *, purpose: str) -> bool:
    """Whether any attempt is the word `encoded` was made from (keyed_word_hash). The same
    work is done whatever `encoded` holds, set, empty or of another scheme (which never
    matches), so the time taken tells nobody whether a word is set. SECRET_KEY_FALLBACKS are
    tried too, so rotating SECRET_KEY does not lose the words set before."""
    salt, wanted = _keyed_parts(encoded)
    found = False
    for key in _keyed_keys(purpose):
        start = _keyed_start(key, salt)
        for attempt in attempts:
            found |= hmac.compare_digest(_keyed_digest(start, attempt), wanted)
    return found


def _keyed_parts(encoded: str) -> tuple[str, bytes]:
    """The salt and digest; for anything else, a stand-in no attempt can match (a random
    digest), so that the same work is done."""
    scheme, _, rest = encoded.partition("$")
    salt, _, digest = rest.partition("$")
    if scheme == KEYED_SCHEME and len(salt) == 2 * _KEYED_SALT_BYTES and len(digest) == 64:
        try:
            return salt, bytes.fromhex(digest)
        except ValueError:
            pass
    return "0" * 2 * _KEYED_SALT_BYTES, secrets.token_bytes(32)


def _keyed_keys(purpose: str) -> list[bytes]:
    """The HMAC keys, as django.utils.crypto.salted_hmac derives them, current secret first."""
    secrets_in_use = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    key_salt = f"contact_hub.people.safe_contact.{purpose}"
    return [hashlib.sha256((key_salt + secret).encode()).digest() for secret in secrets_in_use]


def _keyed_start(key: bytes, salt: str) -> hmac.HMAC:
    """The HMAC with the salt already in: each word copies it (a few microseconds a word).
    The salt is fixed-length hex, so salt + word is unambiguous."""
    return hmac.new(key, salt.encode(), hashlib.sha256)


def _keyed_digest(start: hmac.HMAC, word: str) -> bytes:
    mac = start.copy()
    mac.update(word.encode())
    return mac.digest()
