"""Her location, only if she shares it: what a position must be, that it is kept and logged on
the incident, and that the officer's console is told."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from contact_hub.incidents.models import LogEntry
from rvr.calls import video_call_end
from rvr.location import (
    LOCATIONS_PER_CALL,
    Position,
    location_fix_digest,
    position_parse,
    victim_location_record,
)
from rvr.models import VictimLocation
from rvr.shares import ShareRefused
from tests.rvr.conftest import log_kinds
from tests.rvr.share_calls import waiting

pytestmark = pytest.mark.django_db


def _body(**changes: object) -> bytes:
    fix = {"latitude": 51.2745, "longitude": 0.5227, "accuracy": 18.5,
           "timestamp": time.time() * 1000} | changes
    return json.dumps({k: v for k, v in fix.items() if v is not None}).encode()


def _position() -> Position:
    return position_parse(_body())


def test_a_position_from_the_browser_is_read_with_its_accuracy_and_time():
    position = position_parse(_body(latitude=-33.9, longitude=151.2, accuracy=0))

    assert (position.latitude, position.longitude, position.accuracy_m) == (-33.9, 151.2, 0)
    assert abs(position.taken_at - timezone.now()) < timedelta(minutes=1)


@pytest.mark.parametrize(("change", "kind"), [
    ({"latitude": 90.01}, "video_location_out_of_range"),
    ({"latitude": -91}, "video_location_out_of_range"),
    ({"longitude": 180.5}, "video_location_out_of_range"),
    ({"accuracy": -1}, "video_location_out_of_range"),
    ({"accuracy": 5e6}, "video_location_out_of_range"),
    ({"latitude": "51.27"}, "video_location_malformed"),
    ({"latitude": True}, "video_location_malformed"),
    ({"accuracy": None}, "video_location_malformed"),
    ({"altitude": 30}, "video_location_malformed"),
    ({"timestamp": (time.time() - 2 * 3600) * 1000}, "video_location_bad_time"),
    ({"timestamp": (time.time() + 3600) * 1000}, "video_location_bad_time"),
    ({"timestamp": 1e300}, "video_location_bad_time"),
])
def test_anything_but_a_sane_position_is_refused(change, kind):
    with pytest.raises(ShareRefused) as refusal:
        position_parse(_body(**change))

    assert refusal.value.kind == kind


@pytest.mark.parametrize("raw", [b"not json", b"[51, 0]", b"{}", b"NaN",
                                 b'{"latitude": NaN, "longitude": 0, "accuracy": 1, '
                                 b'"timestamp": 1}', b"x" * 2000])
def test_what_is_not_a_position_object_is_refused(raw):
    with pytest.raises(ShareRefused):
        position_parse(raw)


def test_a_shared_position_is_kept_and_logged_on_the_incident(her_call,
                                                              django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        location = victim_location_record(session_id=her_call.pk, position=_position())

    assert VictimLocation.objects.get() == location
    assert location.incident_id == her_call.incident_id and location.accuracy_m == 18.5
    entry = LogEntry.objects.get(incident=her_call.incident, kind="video.location_shared")
    # Everyone who may open the incident reads its log: the fix's digest, not where she is.
    assert set(entry.data) == {"session_id", "location_id", "accuracy_m", "taken_at",
                               "fix_digest"}
    assert entry.data["location_id"] == location.pk and entry.data["accuracy_m"] == 18.5
    assert entry.data["taken_at"] == location.taken_at.isoformat(timespec="microseconds")
    assert entry.data["fix_digest"] == location_fix_digest(location)
    assert entry.actor is None  # she shared it, not staff
    assert len(callbacks) >= 1  # the console is told after commit


def test_the_digest_is_of_the_fix_as_stored_and_keyed(her_call, settings):
    location = victim_location_record(session_id=her_call.pk, position=_position())
    stored = VictimLocation.objects.get()
    digest = location_fix_digest(stored)

    assert digest == location_fix_digest(location)
    stored.latitude += 0.0001
    assert location_fix_digest(stored) != digest
    stored.latitude -= 0.0001
    settings.HUB_LOG_CHAIN_KEY = "another-key-" + "x" * 40
    assert location_fix_digest(stored) != digest  # no one without the key can match a guess


@pytest.mark.parametrize("raw", [
    b'{"latitude": ' + b"1" * 400 + b', "longitude": 0, "accuracy": 1, "timestamp": 1}',
    b"[" * 1000,
])
def test_a_number_too_large_for_a_float_or_nesting_too_deep_is_malformed(raw):
    with pytest.raises(ShareRefused) as refusal:
        position_parse(raw)

    assert refusal.value.kind == "video_location_malformed"


def test_she_can_share_from_the_waiting_room(sent, her_browser):
    session, _ = sent
    waiting(session)

    victim_location_record(session_id=session.pk, position=_position())

    assert VictimLocation.objects.filter(session=session).count() == 1


def test_nothing_is_shared_once_the_call_has_ended(her_call):
    video_call_end(session_id=her_call.pk, by="victim")
    before = log_kinds(her_call.incident)

    with pytest.raises(ShareRefused) as refusal:
        victim_location_record(session_id=her_call.pk, position=_position())

    assert refusal.value.kind == "video_share_session_closed"
    assert not VictimLocation.objects.exists()
    assert log_kinds(her_call.incident) == before


def test_a_call_takes_only_so_many_positions(her_call):
    now = timezone.now()
    VictimLocation.objects.bulk_create(
        VictimLocation(session=her_call, incident=her_call.incident, latitude=51.0, longitude=0.5,
                       accuracy_m=10, taken_at=now, received_at=now)
        for _ in range(LOCATIONS_PER_CALL))

    with pytest.raises(ShareRefused) as refusal:
        victim_location_record(session_id=her_call.pk, position=_position())

    assert refusal.value.kind == "video_location_limit" and refusal.value.status == 429
    assert VictimLocation.objects.count() == LOCATIONS_PER_CALL
