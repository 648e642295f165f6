"""ICE servers: STUN, TURN with short-lived credentials in coturn's shared-secret scheme."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime

from rvr.ice import candidate_allowed, ice_servers, turn_credentials

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_turn_credentials_follow_coturns_shared_secret_scheme(settings):
    settings.TURN_SECRET, settings.TURN_CREDENTIAL_SECONDS = "s3cret", 600

    username, credential = turn_credentials(session_id=42, now=NOW)

    assert username == f"{int(NOW.timestamp()) + 600}:42"
    expected = hmac.new(b"s3cret", username.encode(), hashlib.sha1).digest()
    assert credential == base64.b64encode(expected).decode()


def test_ice_servers_come_from_settings(settings):
    settings.STUN_URLS = ["stun:turn.example.org:3478"]
    settings.TURN_URLS = ["turn:turn.example.org:3478?transport=udp"]
    settings.TURN_SECRET = "s3cret"

    stun, turn = ice_servers(session_id=7, now=NOW)

    assert stun == {"urls": ["stun:turn.example.org:3478"]}
    assert turn["urls"] == ["turn:turn.example.org:3478?transport=udp"]
    assert turn["username"].endswith(":7") and turn["credential"]


def test_without_a_secret_no_turn_server_is_offered(settings):
    settings.STUN_URLS, settings.TURN_URLS, settings.TURN_SECRET = [], ["turn:x:3478"], ""

    assert ice_servers(session_id=7, now=NOW) == []


def test_relay_only_lets_only_relay_candidates_through(settings):
    settings.TURN_URLS, settings.TURN_SECRET, settings.RVR_RELAY_ONLY = ["turn:x"], "s", True

    assert candidate_allowed("candidate:2 1 udp 4188 198.51.100.7 5000 typ relay raddr 0.0.0.0")
    assert not candidate_allowed("candidate:1 1 udp 2122 192.0.2.2 5440 typ host")
    assert not candidate_allowed("candidate:3 1 udp 1686 203.0.113.9 6000 typ srflx")
