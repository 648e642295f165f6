"""TURN through a real coturn on loopback: the per-session credentials the hub hands out are
accepted by coturn's shared-secret scheme, and relay-only peers connect through it."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from aiortc import RTCPeerConnection
from django.utils import timezone

from rvr.ice import rtc_configuration
from tests.servers import free_port

pytestmark = pytest.mark.turn
SECRET = "turn-test-shared-secret"


def deployment_peer_rules() -> list[str]:
    """The peer rules docker-compose.yml gives the production coturn."""
    compose = yaml.safe_load((Path(__file__).resolve().parents[2] / "docker-compose.yml")
                             .read_text())
    return [arg for arg in compose["services"]["coturn"]["command"]
            if arg.startswith(("--denied-peer-ip=", "--no-multicast-peers"))]


@pytest.fixture
def coturn(settings, request):
    """coturn on loopback (so these peers may use it), plus any rules the test names."""
    path = shutil.which("turnserver")
    port = free_port()
    extra = getattr(request, "param", [])
    process = subprocess.Popen(
        [path, "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1", f"--listening-port={port}",
         "--use-auth-secret", f"--static-auth-secret={SECRET}", "--realm=hub.test",
         "--no-cli", "--no-tls", "--no-dtls", "--allow-loopback-peers", "--fingerprint",
         "--min-port=49900", "--max-port=49990", *extra],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    assert process.poll() is None, "coturn refused its arguments"
    settings.TURN_URLS = [f"turn:127.0.0.1:{port}?transport=udp"]
    settings.TURN_SECRET = SECRET
    settings.STUN_URLS = []
    settings.RVR_RELAY_ONLY = True
    try:
        yield
    finally:
        process.terminate()
        process.wait(timeout=10)


async def _connect(config_a, config_b, seconds: float = 15) -> tuple[str, str, list[str]]:
    """Two peers exchange offer and answer and a data-channel message; returns their ICE
    states and the candidate types the offerer gathered."""
    a, b = RTCPeerConnection(config_a), RTCPeerConnection(config_b)
    received = asyncio.get_running_loop().create_future()
    channel = a.createDataChannel("check")
    channel.on("open", lambda: channel.send("ping"))

    @b.on("datachannel")
    def on_channel(incoming):
        incoming.on("message", lambda m: received.done() or received.set_result(m))

    try:
        await a.setLocalDescription(await a.createOffer())
        await b.setRemoteDescription(a.localDescription)
        await b.setLocalDescription(await b.createAnswer())
        await a.setRemoteDescription(b.localDescription)
        types = [line.split(" typ ")[1].split()[0] for line in a.localDescription.sdp.splitlines()
                 if line.startswith("a=candidate")]
        await asyncio.wait_for(received, seconds)
        return a.iceConnectionState, b.iceConnectionState, types
    finally:
        await a.close()
        await b.close()


async def test_relay_only_peers_connect_through_coturn_with_session_credentials(coturn):
    now = timezone.now()
    states = await _connect(rtc_configuration(session_id=1, now=now),
                            rtc_configuration(session_id=1, now=now))

    *ice, candidate_types = states
    assert set(ice) <= {"completed", "connected"}
    # Relay-only: no host or server-reflexive candidate reveals either side's address.
    assert candidate_types and set(candidate_types) == {"relay"}


async def test_expired_credentials_are_refused_by_coturn(coturn):
    """The same two peers as above, with credentials whose expiry has passed, never connect."""
    long_ago = timezone.now() - timedelta(days=2)

    with pytest.raises(TimeoutError):
        await _connect(rtc_configuration(session_id=2, now=long_ago),
                       rtc_configuration(session_id=2, now=long_ago), seconds=6)


@pytest.mark.parametrize("coturn", [deployment_peer_rules()], indirect=True)
async def test_the_deployments_coturn_refuses_to_relay_to_loopback(coturn):
    """The same peers as the first test, through a coturn with the production peer rules: their
    relayed addresses are on loopback, which those rules deny even with loopback allowed."""
    now = timezone.now()

    with pytest.raises(TimeoutError):
        await _connect(rtc_configuration(session_id=3, now=now),
                       rtc_configuration(session_id=3, now=now), seconds=6)
