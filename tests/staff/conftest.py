"""Staff fixtures: a clock for security events, which are counted a minute at a time."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone


class Clock:
    """Django's clock, held still until a test moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    def set(self, when: datetime) -> None:
        self.now = when


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Holds Django's clock half way through the current minute, so a test's refusals never
    straddle a minute unless it moves the clock on."""
    held = Clock(timezone.now().replace(second=30, microsecond=0))
    monkeypatch.setattr(timezone, "now", held)
    return held
