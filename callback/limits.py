"""Flood limits for callback entries, counted in the database so every process shares them.

Sources are stored only as a keyed hash: the table never holds a number or an address.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from callback.models import EntryCount

WINDOW = timedelta(hours=1)


def source_key(kind: str, value: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{kind}:{value}".encode(),
                    hashlib.sha256).hexdigest()


def entry_count(kind: str, value: str, *, now: datetime | None = None) -> int:
    """Count one more entry from this source in the current window; return the new count."""
    now = now or timezone.now()
    key = source_key(kind, value)
    window_start = datetime.fromtimestamp(
        now.timestamp() // WINDOW.total_seconds() * WINDOW.total_seconds(), tz=now.tzinfo)
    updated = EntryCount.objects.filter(key=key, window_start=window_start).update(
        count=F("count") + 1)
    if not updated:
        try:
            with transaction.atomic():
                EntryCount.objects.create(key=key, window_start=window_start, count=1)
        except IntegrityError:
            EntryCount.objects.filter(key=key, window_start=window_start).update(
                count=F("count") + 1)
    return EntryCount.objects.get(key=key, window_start=window_start).count


def entry_counts_purge(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    deleted, _ = EntryCount.objects.filter(window_start__lt=now - 2 * WINDOW).delete()
    return deleted
