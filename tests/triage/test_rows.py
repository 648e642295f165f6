"""A waiting contact's row as the dashboard shows it (contact_hub/triage/rows.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils.timesince import timesince

from contact_hub.triage.rows import _ago

# The first minutes of a month, so the day before is in the month before.
NOW = datetime(2026, 3, 1, 0, 5, tzinfo=UTC)


@pytest.mark.parametrize("gone", [timedelta(seconds=0), timedelta(seconds=59),
                                  timedelta(minutes=1, seconds=30), timedelta(hours=1),
                                  timedelta(hours=23, minutes=59, seconds=59),
                                  timedelta(days=1), timedelta(days=45), timedelta(days=400)])
def test_how_long_ago_reads_as_timesince_words_it(gone):
    assert _ago(NOW - gone, NOW) == timesince(NOW - gone, NOW)


def test_a_time_a_little_ahead_of_the_clock_reads_as_timesince_words_it():
    assert _ago(NOW + timedelta(seconds=2), NOW) == timesince(NOW + timedelta(seconds=2), NOW)
