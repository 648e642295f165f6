"""Staff sessions, read by a fixed read (contact_hub/staff/session_store.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from contact_hub.staff.session_store import SessionStore

pytestmark = pytest.mark.django_db


def test_a_saved_session_is_loaded_with_what_it_holds():
    session = SessionStore()
    session["hub_seen_at"] = 12.5
    session.save()

    assert SessionStore(session.session_key).load() == {"hub_seen_at": 12.5}


def test_an_expired_or_unknown_session_loads_empty_and_gets_a_new_key():
    session = SessionStore()
    session["hub_seen_at"] = 12.5
    session.save()
    Session.objects.filter(pk=session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1))

    for key in (session.session_key, "no-such-session-key-0123456789ab"):
        store = SessionStore(key)
        assert store.load() == {}
        assert store.session_key is None
