"""The access log and security events: the only two ways staff activity is recorded."""

from __future__ import annotations

import logging

from django.http import HttpRequest

from contact_hub.log_redaction import redact
from contact_hub.staff.models import AccessEvent, SecurityEvent, StaffUser

log = logging.getLogger(__name__)


def access_record(*, actor: StaffUser, action: str, what: str, why: str,
                  person_id: int | None = None, flagged: bool = False) -> AccessEvent:
    return AccessEvent.objects.create(actor=actor, action=action, person_id=person_id,
                                      what=what[:120], why=why[:300], flagged=flagged)


def security_event_record(kind: str, *, request: HttpRequest | None = None,
                          detail: dict | None = None, actor: StaffUser | None = None,
                          source_ip: str | None = None, path: str | None = None
                          ) -> SecurityEvent:
    """Record a refusal. `detail` must never hold message content, numbers or tokens.

    Outside a view (a websocket), pass `actor`, `source_ip` and `path` instead of `request`.
    """
    path = redact(path)[:300] if path else None
    if request is not None:
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
        source_ip = request.META.get("REMOTE_ADDR")
        path = redact(request.path)[:300]
    log.warning("security event %s from %s on %s", kind, source_ip, path)
    return SecurityEvent.objects.create(kind=kind, actor=actor, source_ip=source_ip,
                                        path=path or "", detail=detail or {})
