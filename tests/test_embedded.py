"""The embedded default: the demo command brings the whole hub up on SQLite with no services,
plays traffic through the real intake, and background work and the scheduler run in-process."""

from __future__ import annotations

import http.cookiejar
import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.servers import free_port

ROOT = Path(__file__).resolve().parent.parent


def _embedded_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["HUB_DATA_DIR"] = str(data_dir)
    return env


def _manage(env: dict[str, str], *args: str) -> str:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True, timeout=120).stdout


@pytest.fixture
def demo(tmp_path):
    """`manage.py demo` on a fresh data directory, with fast traffic."""
    env = _embedded_env(tmp_path)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "demo", "--port", str(port), "--traffic-interval", "0.3"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{base}/health/")
        yield base, env, tmp_path
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer")


def _signed_in_opener(base: str, env: dict[str, str], username: str):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/staff/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    code = _manage(env, "staff_code", username).strip()
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": username,
                                   "password": f"{username}-demo-pass", "code": code})
    opener.open(urllib.request.Request(f"{base}/staff/login/", data=form.encode(),
                                       headers={"Referer": f"{base}/staff/login/"}))
    return opener


def test_the_demo_serves_the_hub_on_sqlite_with_live_traffic(demo):
    base, env, data_dir = demo
    opener = _signed_in_opener(base, env, "coordinator")

    deadline = time.monotonic() + 30
    listing = ""
    while time.monotonic() < deadline and "Loud party every night" not in listing:
        listing = opener.open(f"{base}/triage/queue/").read().decode()
        time.sleep(0.3)

    # The script's messages arrive as signed webhooks through each channel's real adapter.
    for channel, words in [("WhatsApp", "car was broken into"), ("Messenger", "took my phone"),
                           ("Instagram", "keeps messaging me"), ("X", "Loud party")]:
        assert words in listing, f"no {channel} message arrived"
    assert (data_dir / "hub.sqlite3").exists()
    incidents = opener.open(f"{base}/incidents/").read().decode()
    assert "DOMESTIC" in incidents


def test_the_demo_refuses_to_run_against_production_services(tmp_path):
    env = _embedded_env(tmp_path) | {"REDIS_URL": "redis://127.0.0.1:6379/0",
                                     "SECRET_KEY": "s" * 50, "HUB_LOG_CHAIN_KEY": "c" * 50}

    result = subprocess.run([sys.executable, "manage.py", "demo", "--setup-only"], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=60)

    assert result.returncode != 0
    assert "The demo runs on the embedded default" in result.stderr


def test_staff_codes_are_never_printed_outside_the_demo(tmp_path):
    env = _embedded_env(tmp_path) | {"REDIS_URL": "redis://127.0.0.1:6379/0",
                                     "SECRET_KEY": "s" * 50, "HUB_LOG_CHAIN_KEY": "c" * 50}

    result = subprocess.run([sys.executable, "manage.py", "staff_code", "coordinator"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)

    assert result.returncode != 0
    assert "only works on the embedded demo" in result.stderr


def test_production_mode_without_a_secret_key_refuses_to_start(tmp_path):
    env = _embedded_env(tmp_path) | {"REDIS_URL": "redis://127.0.0.1:6379/0"}
    env.pop("SECRET_KEY", None)

    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
