"""The access log and security events: the only two ways staff activity is recorded."""

from __future__ import annotations

import ipaddress
import logging
import uuid

from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac

from contact_hub.log_redaction import redact
from contact_hub.staff.models import AccessEvent, SecurityEvent, StaffUser

log = logging.getLogger(__name__)

UNKNOWN_SIGN_IN_NAME = "unknown:"


def access_record(*, actor: StaffUser, action: str, what: str, why: str,
                  person_id: int | None = None, flagged: bool = False) -> AccessEvent:
    event = access_event_new(actor=actor, action=action, what=what, why=why,
                             person_id=person_id, flagged=flagged)
    event.save(force_insert=True)
    return event


def access_event_new(*, actor: StaffUser, action: str, what: str, why: str,
                     person_id: int | None = None, flagged: bool = False) -> AccessEvent:
    """The event access_record saves, not yet saved (for a caller that writes it with more
    rows in one statement)."""
    return AccessEvent(actor=actor, action=action, person_id=person_id, what=what[:120],
                       why=why[:300], flagged=flagged)


def security_event_record(kind: str, *, request: HttpRequest | None = None,
                          detail: dict | None = None, actor: StaffUser | None = None,
                          source_ip: str | None = None, path: str | None = None,
                          each: bool = False) -> SecurityEvent:
    """Record a refusal. `detail` must never hold message content, numbers or tokens.

    Outside a view (a websocket), pass `actor`, `source_ip` and `path` instead of `request`.
    Repeats of one kind from one source in the same minute are counted on one row (returned
    with its count so far), and only the first is logged, so a flood cannot bury other events.
    `each` records a change professional standards must see one by one (an administrator's
    role and password changes) on a row of its own, its detail never merged into a count.
    """
    path = redact(path)[:300] if path else None
    if request is not None:
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
        source_ip = request.META.get("REMOTE_ADDR")
        path = redact(request.path)[:300]
    event, first = _security_event_counted(kind, actor=actor, source_ip=source_ip,
                                           path=path or "", detail=detail or {}, each=each)
    if first:
        log.warning("security event %s from %s on %s", kind, source_ip, path)
    return event


def _security_event_counted(kind: str, *, actor: StaffUser | None, source_ip: str | None,
                            path: str, detail: dict, each: bool = False
                            ) -> tuple[SecurityEvent, bool]:
    """Count the refusal on its minute's row, or start that row; says whether it started it.

    Safe when many record the same refusal at once: the unique (repeat_key, minute) lets one
    insert win, and the others count on its row with an UPDATE that adds in the database."""
    repeat_key = _repeat_key(kind, source_ip, actor)
    if each:
        repeat_key = f"{repeat_key} #{uuid.uuid4().hex}"[:160]
    minute = timezone.now().replace(second=0, microsecond=0)
    repeats = SecurityEvent.objects.filter(repeat_key=repeat_key, minute=minute)
    if repeats.update(count=F("count") + 1):
        return repeats.get(), False
    try:
        with transaction.atomic():
            return SecurityEvent.objects.create(
                kind=kind, actor=actor, source_ip=source_ip, path=path, detail=detail,
                minute=minute, repeat_key=repeat_key), True
    except IntegrityError:
        # Another request started the row since our update: count this one on it.
        if not repeats.update(count=F("count") + 1):
            raise
        return repeats.get(), False


def _repeat_key(kind: str, source_ip: str | None, actor: StaffUser | None) -> str:
    return f"{kind} {_source(source_ip)} {actor.pk if actor else '-'}"


def _source(address: str | None) -> str:
    """Where refusals come from, as a flood is counted: one IPv4 address, or one IPv6 /64 (a
    single home or server is given a whole /64, so its addresses are one source)."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return "-"
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def sign_in_name_recorded(typed: str) -> str:
    """What security records may keep of a username typed at sign-in.

    An account's username is kept as it is. Anything else is often a password typed in the wrong
    box, so only a keyed hash of it is kept: the same text always gives the same value, so
    lockout still counts repeated tries with it, but the text cannot be read back.
    """
    if StaffUser.objects.filter(username=typed).exists():
        return typed
    digest = salted_hmac("contact_hub.staff.sign_in_name", typed, algorithm="sha256")
    return UNKNOWN_SIGN_IN_NAME + digest.hexdigest()[:16]
