"""Staff sessions in the database, as Django's own store keeps them (SESSION_ENGINE), read by a
fixed read: every request of every page loads its session, and the dashboard's fetches are the
hub's most frequent requests."""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.utils import timezone

from contact_hub.fixed_reads import FixedRead

_session_read = FixedRead(lambda *, key, now: Session.objects.filter(
    session_key=key, expire_date__gt=now))


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Any:
        found = _session_read(key=self.session_key, now=timezone.now()) if isinstance(
            self.session_key, str) else []
        if not found:
            self._session_key = None
            return None
        return found[0]
