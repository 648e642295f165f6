"""Configuration, from the outsider's side: no public secret off the demo, a production
configuration `check --deploy` has nothing to say about, and coturn relaying only to public
addresses."""

from __future__ import annotations

import ipaddress
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
POSTGRES = "postgres://postgres@127.0.0.1:5432/contact_hub"


def _manage(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Runs manage.py with only the environment given (no settings inherited from the tests)."""
    base = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "HUB_DATA_DIR": str(tmp_path)}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=base | env,
                          capture_output=True, text=True, timeout=60)


def _production(**overrides: str) -> dict[str, str]:
    return {"DATABASE_URL": POSTGRES, "REDIS_URL": "redis://127.0.0.1:6379/0",
            "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "hub.example.police.uk",
            "HUB_LOG_CHAIN_KEY": secrets.token_urlsafe(50),
            "PUBLIC_BASE_URL": "https://hub.example.police.uk",
            "CSRF_TRUSTED_ORIGINS": "https://hub.example.police.uk",
            "RVR_LINK_BASE_URL": "https://meet.example.org",
            "HUB_TRUSTED_PROXIES": "10.0.0.2"} | overrides


@pytest.mark.parametrize("services", [
    {"DATABASE_URL": POSTGRES},
    {"REDIS_URL": "redis://127.0.0.1:6379/0"},
    {"DATABASE_URL": POSTGRES, "REDIS_URL": "redis://127.0.0.1:6379/0"},
], ids=["postgres", "redis", "both"])
def test_without_a_secret_key_only_the_sqlite_demo_starts(tmp_path, services):
    result = _manage(tmp_path, "check", **services)

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert "embedded-default" not in result.stderr


def test_a_sqlite_database_url_is_not_the_demo(tmp_path):
    result = _manage(tmp_path, "check", DATABASE_URL=f"sqlite:///{tmp_path}/hub.sqlite3")

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_the_demos_public_key_is_refused_off_the_demo(tmp_path):
    from contact_hub.settings import EMBEDDED_SECRET_KEY

    result = _manage(tmp_path, "check", **_production(SECRET_KEY=EMBEDDED_SECRET_KEY))

    assert result.returncode != 0
    assert "the demo's public one" in result.stderr


def test_without_a_log_chain_key_only_the_sqlite_demo_starts(tmp_path):
    result = _manage(tmp_path, "check", **_production(HUB_LOG_CHAIN_KEY=""))

    assert result.returncode != 0
    assert "HUB_LOG_CHAIN_KEY is not set" in result.stderr


def test_the_demos_public_log_chain_key_is_refused_off_the_demo(tmp_path):
    from contact_hub.settings import EMBEDDED_LOG_CHAIN_KEY

    result = _manage(tmp_path, "check", **_production(HUB_LOG_CHAIN_KEY=EMBEDDED_LOG_CHAIN_KEY))

    assert result.returncode != 0
    assert "the demo's public one" in result.stderr
    assert EMBEDDED_LOG_CHAIN_KEY not in result.stderr


def test_trusting_every_address_as_a_proxy_is_refused(tmp_path):
    result = _manage(tmp_path, "check", **_production(HUB_TRUSTED_PROXIES="*"))

    assert result.returncode != 0
    assert "never '*'" in result.stderr


def test_the_sqlite_demo_starts_on_its_embedded_key(tmp_path):
    result = _manage(tmp_path, "check")

    assert result.returncode == 0, result.stderr


def test_authenticator_codes_are_never_printed_off_the_demo_even_on_postgres(tmp_path):
    result = _manage(tmp_path, "staff_code", "coordinator", DATABASE_URL=POSTGRES,
                     SECRET_KEY=secrets.token_urlsafe(50),
                     HUB_LOG_CHAIN_KEY=secrets.token_urlsafe(50))

    assert result.returncode != 0
    assert "only works on the embedded demo" in result.stderr


def test_a_production_configuration_passes_check_deploy_without_a_warning(tmp_path):
    result = _manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **_production())

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_speaks_up_when_https_is_turned_off(tmp_path):
    result = _manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING",
                     **_production(HUB_HTTPS="0"))

    assert result.returncode != 0
    assert "SECURE_HSTS_SECONDS" in result.stderr + result.stdout


@pytest.mark.parametrize("overrides, warning", [
    ({"RVR_LINK_BASE_URL": ""}, "hub.W001"),                 # links on the staff host
    ({"REDIS_URL": ""}, "hub.W002"),                          # follow-ups inside requests
])
def test_check_deploy_names_a_configuration_that_gives_a_victim_away(tmp_path, overrides,
                                                                     warning):
    result = _manage(tmp_path, "check", "--deploy", **_production(**overrides))

    assert warning in result.stderr + result.stdout


def _coturn_denied() -> list[tuple[ipaddress.ip_address, ipaddress.ip_address]]:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    ranges = []
    for arg in compose["services"]["coturn"]["command"]:
        if arg.startswith("--denied-peer-ip="):
            low, _, high = arg.split("=", 1)[1].partition("-")
            ranges.append((ipaddress.ip_address(low), ipaddress.ip_address(high or low)))
    return ranges


@pytest.mark.parametrize("network", [
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "172.16.0.0/12", "192.168.0.0/16", "::1/128", "fc00::/7", "fe80::/10",
    "::ffff:0:0/96", "::/128", "2002::/16", "64:ff9b:1::/48", "fec0::/10",
])
def test_coturn_never_relays_to_a_private_loopback_or_link_local_peer(network):
    net = ipaddress.ip_network(network)

    covered = any(low.version == net.version and low <= net[0] and net[-1] <= high
                  for low, high in _coturn_denied())

    assert covered, f"coturn may relay to {network}"
