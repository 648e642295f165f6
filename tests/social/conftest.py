from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.provider_server import ProviderServer, provider_server

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
APP_SECRET = "meta-app-secret-for-tests"
X_SECRET = "x-consumer-secret-for-tests"
X_USER_ID = "9990001"


def fixture_payload(name: str) -> dict:
    raw = (FIXTURES / name).read_text()
    raw = raw.replace("X_USER_ID", X_USER_ID).replace("PAGE_ID", "5550001")
    raw = raw.replace("IG_ACCOUNT_ID", "5550002").replace("PHONE_NUMBER_ID", "5550003")
    return json.loads(raw)


def meta_signature(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def x_signature(body: bytes, secret: str = X_SECRET) -> str:
    return "sha256=" + base64.b64encode(
        hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def meta_configure(settings, graph_api_url: str) -> None:
    """Meta's channels on, with the fixtures' page, Instagram and WhatsApp ids as ours."""
    settings.META_APP_SECRET = APP_SECRET
    settings.META_VERIFY_TOKEN = "verify-me"
    settings.META_PAGE_ACCESS_TOKEN = "page-token"
    settings.META_PAGE_IDS = ["5550001", "5550002"]
    settings.WHATSAPP_TOKEN = "wa-token"
    settings.WHATSAPP_PHONE_NUMBER_IDS = ["5550003"]
    settings.GRAPH_API_BASE = f"{graph_api_url}/v21.0"


def x_configure(settings, x_api_url: str) -> None:
    settings.X_CONSUMER_SECRET = X_SECRET
    settings.X_ACCESS_TOKEN = "x-user-token"
    settings.X_USER_ID = X_USER_ID
    settings.X_API_BASE = x_api_url


@pytest.fixture
def graph_api() -> Iterator[ProviderServer]:
    with provider_server() as server:
        yield server


@pytest.fixture
def meta(settings, graph_api):
    meta_configure(settings, graph_api.url)
    return graph_api


@pytest.fixture
def x_api(settings) -> Iterator[ProviderServer]:
    with provider_server() as server:
        x_configure(settings, server.url)
        yield server
