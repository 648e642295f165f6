"""The victim's location, only if she chooses to share it: her browser asks for it only when
she presses "Share my location", and posts what it reports here (rvr/share_views.py). Each
position is checked strictly, kept, and the officer's console is told. The incident log holds
the fix's accuracy and time and a keyed digest of it (location_fix_digest), never the
coordinates: everyone who may open the incident reads its log, while her coordinates are read
only through the access-logged victim_shared_read (rvr/shares.py). They never go into log lines
or security events either."""

from __future__ import annotations

import hashlib
import hmac
import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from contact_hub.incidents.log import canonical_json, chain_key, log_append
from contact_hub.live import LiveEvent
from rvr.calls import OPEN_STATUSES
from rvr.live import session_tell
from rvr.models import VictimLocation
from rvr.shares import ShareRefused, share_session_locked

# What a browser's Geolocation API reports, and nothing else.
FIELDS = frozenset({"latitude", "longitude", "accuracy", "timestamp"})
MAX_BODY_BYTES = 1024
# A fix is for the officer to act on now: one older than this (a phone's stale cache) or from
# further ahead than a phone's clock drifts is refused.
OLDEST_FIX = timedelta(hours=1)
FURTHEST_AHEAD = timedelta(minutes=10)
# No phone reports a circle wider than a country; beyond this the number is not a position.
ACCURACY_MAX_M = 1_000_000.0
# Enough for a long call with her moving, too few to fill a table.
LOCATIONS_PER_CALL = 200
NOT_A_POSITION = "Your location could not be read, so nothing was sent."
LOCATION_KIND = "video.location_shared"
FIX_DIGEST_PURPOSE = "rvr.location.fix"


@dataclass(frozen=True)
class Position:
    latitude: float
    longitude: float
    accuracy_m: float
    taken_at: datetime


def position_parse(raw: bytes, *, now: datetime | None = None) -> Position:
    """The position her browser posted, if it is one; refused otherwise."""
    now = now or timezone.now()
    if len(raw) > MAX_BODY_BYTES:
        raise ShareRefused(NOT_A_POSITION, kind="video_location_malformed", status=413)
    try:
        # Integers read as floats: a 400-digit latitude is then infinite (refused below), not
        # an OverflowError; NaN and Infinity are not JSON numbers at all.
        body = json.loads(raw, parse_int=float, parse_constant=_not_a_number)
    except (ValueError, RecursionError) as error:
        raise ShareRefused(NOT_A_POSITION, kind="video_location_malformed") from error
    if not isinstance(body, dict) or set(body) != FIELDS:
        raise ShareRefused(NOT_A_POSITION, kind="video_location_malformed")
    latitude, longitude = _number(body["latitude"]), _number(body["longitude"])
    accuracy, timestamp = _number(body["accuracy"]), _number(body["timestamp"])
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180
            and 0 <= accuracy <= ACCURACY_MAX_M):
        raise ShareRefused(NOT_A_POSITION, kind="video_location_out_of_range")
    taken_at = _fix_time(timestamp, now=now)
    return Position(latitude=latitude, longitude=longitude, accuracy_m=accuracy,
                    taken_at=taken_at)


def _not_a_number(constant: str) -> float:
    raise ValueError(f"{constant} is not a number")


def _number(value: object) -> float:
    """A finite number (JSON true and false are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ShareRefused(NOT_A_POSITION, kind="video_location_malformed")
    return float(value)


def _fix_time(timestamp_ms: float, *, now: datetime) -> datetime:
    try:
        taken_at = datetime.fromtimestamp(timestamp_ms / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError) as error:
        raise ShareRefused(NOT_A_POSITION, kind="video_location_bad_time") from error
    if not now - OLDEST_FIX <= taken_at <= now + FURTHEST_AHEAD:
        raise ShareRefused(NOT_A_POSITION, kind="video_location_bad_time")
    return taken_at


def victim_location_record(*, session_id: int, position: Position,
                           now: datetime | None = None) -> VictimLocation:
    """Keep a position she shared from the waiting room or the call, log it on the incident,
    and tell the officer's console (which re-fetches it)."""
    now = now or timezone.now()
    with transaction.atomic():
        session = share_session_locked(session_id, OPEN_STATUSES)
        if VictimLocation.objects.filter(session=session).count() >= LOCATIONS_PER_CALL:
            raise ShareRefused("Your location has been sent already.",
                               kind="video_location_limit", status=429)
        location = VictimLocation.objects.create(
            session=session, incident=session.incident, latitude=position.latitude,
            longitude=position.longitude, accuracy_m=position.accuracy_m,
            taken_at=position.taken_at, received_at=now)
        log_append(session.incident, LOCATION_KIND, {
            "session_id": session.pk, "location_id": location.pk,
            "accuracy_m": location.accuracy_m, "taken_at": _fix_time_text(location.taken_at),
            "fix_digest": location_fix_digest(location)})
        session_tell(session, LiveEvent.VIDEO_SHARED)
    return location


def location_fix_digest(location: VictimLocation) -> str:
    """HMAC-SHA256 of the stored fix (canonical JSON of its coordinates, accuracy and time),
    for the incident log: it proves the stored fix is the one she sent. Keyed (with the log
    chain's secret), because a plain SHA-256 of a fix whose accuracy and time the log shows
    could be matched against guessed coordinates by anyone who reads the log."""
    fix = {"latitude": location.latitude, "longitude": location.longitude,
           "accuracy_m": location.accuracy_m, "taken_at": _fix_time_text(location.taken_at)}
    return hmac.new(chain_key(FIX_DIGEST_PURPOSE), canonical_json(fix),
                    hashlib.sha256).hexdigest()


def _fix_time_text(taken_at: datetime) -> str:
    return taken_at.astimezone(UTC).isoformat(timespec="microseconds")
