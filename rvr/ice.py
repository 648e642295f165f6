"""ICE servers for a video session: STUN, and TURN with short-lived credentials.

TURN credentials follow coturn's shared-secret ("TURN REST API") scheme: the username is the
expiry time and the session, the password an HMAC of it with the secret coturn also holds, so
coturn can check them without asking us and they stop working by themselves.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import datetime, timedelta
from typing import NotRequired, TypedDict

from aiortc import RTCConfiguration, RTCIceServer
from aiortc.rtcconfiguration import RTCIceTransportPolicy
from django.conf import settings


class IceServer(TypedDict):
    """One entry of RTCPeerConnection's iceServers."""

    urls: list[str]
    username: NotRequired[str]
    credential: NotRequired[str]


CANDIDATE_TYPE = re.compile(r"\btyp\s+(\w+)")
RELATED_ADDRESS = re.compile(r"\braddr\s+\S+\s+rport\s+\d+")
# The address fields of a description's origin, connection and RTCP lines.
LINE_ADDRESS = re.compile(r"^((?:o=.*|c=|a=rtcp:\d+ )IN (IP[46])) \S+$")
NO_ADDRESS = {"IP4": "0.0.0.0", "IP6": "::"}  # noqa: S104 - "no address" in SDP, not a bind


def turn_credentials(*, session_id: int | str, now: datetime) -> tuple[str, str]:
    expiry = now + timedelta(seconds=settings.TURN_CREDENTIAL_SECONDS)
    username = f"{int(expiry.timestamp())}:{session_id}"
    digest = hmac.new(settings.TURN_SECRET.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


def ice_servers(*, session_id: int | str, now: datetime) -> list[IceServer]:
    """The iceServers list for a browser's RTCPeerConnection."""
    servers: list[IceServer] = []
    if settings.STUN_URLS:
        servers.append({"urls": list(settings.STUN_URLS)})
    if settings.TURN_URLS and settings.TURN_SECRET:
        username, credential = turn_credentials(session_id=session_id, now=now)
        servers.append({"urls": list(settings.TURN_URLS), "username": username,
                        "credential": credential})
    return servers


def console_ice_servers(*, officer_id: int, now: datetime) -> list[IceServer]:
    """For the connection an officer's console makes ready before they accept a call, when
    there is no session yet: its TURN credentials are named for the officer instead."""
    return ice_servers(session_id=f"officer-{officer_id}", now=now)


def rtc_configuration(*, session_id: int, now: datetime) -> RTCConfiguration:
    """The same servers for the hub's own aiortc peer."""
    servers = [RTCIceServer(urls=s["urls"], username=s.get("username"),
                            credential=s.get("credential"))
               for s in ice_servers(session_id=session_id, now=now)]
    policy = RTCIceTransportPolicy.RELAY if relay_only() else RTCIceTransportPolicy.ALL
    return RTCConfiguration(iceServers=servers, iceTransportPolicy=policy)


def turn_configured() -> bool:
    return bool(settings.TURN_URLS and settings.TURN_SECRET)


def relay_only() -> bool:
    """Relay-only needs a TURN server to relay through; without one no call could connect."""
    return settings.RVR_RELAY_ONLY and turn_configured()


def candidate_allowed(candidate: str) -> bool:
    """In relay-only mode only relay candidates pass: the others carry a side's own address."""
    if not relay_only() or not candidate:
        return True
    match = CANDIDATE_TYPE.search(candidate)
    return bool(match and match.group(1) == "relay")


def sdp_relay_only(sdp: str) -> str:
    """Drop every non-relay candidate line from a description, in relay-only mode."""
    if not relay_only():
        return sdp
    lines = sdp.split("\r\n")
    kept = [line for line in lines
            if not line.startswith("a=candidate:") or candidate_allowed(line)]
    return "\r\n".join(kept)


# An outsider's connections (an interpreter's), relay-only whatever RVR_RELAY_ONLY says: the
# interpreter is not the force, and must learn neither her address nor the officer's.

def candidate_relayed(candidate: str) -> str | None:
    """A relay candidate with its related address blanked (a browser may put its own public
    address there), the end of the candidates as it is, and None for any other candidate."""
    if not candidate:
        return candidate
    match = CANDIDATE_TYPE.search(candidate)
    if not (match and match.group(1) == "relay"):
        return None
    return RELATED_ADDRESS.sub("raddr 0.0.0.0 rport 0", candidate)


def sdp_relayed(sdp: str) -> str:
    """A description with only relay candidates (as candidate_relayed leaves them) and no
    address in its origin, connection and RTCP lines: ICE uses only the candidates."""
    kept = []
    for line in sdp.split("\r\n"):
        if line.startswith("a=candidate:"):
            relayed = candidate_relayed(line.removeprefix("a="))
            if relayed:
                kept.append("a=" + relayed)
            continue
        kept.append(LINE_ADDRESS.sub(lambda m: f"{m.group(1)} {NO_ADDRESS[m.group(2)]}", line))
    return "\r\n".join(kept)
