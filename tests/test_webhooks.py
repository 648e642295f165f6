"""The one webhook guard: Twilio, Meta and X are refused in the same words, with the same
security events, each naming its provider and nothing of the content."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from contact_hub.conversations.models import Message
from contact_hub.staff.models import SecurityEvent
from tests.social.conftest import meta_configure, x_configure

pytestmark = pytest.mark.django_db
NOWHERE = "http://127.0.0.1:9"


@dataclass(frozen=True)
class Provider:
    name: str
    path: str
    content_type: str
    body: bytes
    oversized: bytes
    secret_setting: str


PROVIDERS = [
    Provider("twilio", "/sms/twilio/inbound/", "application/x-www-form-urlencoded",
             b"MessageSid=SM" + b"a" * 32 + b"&Body=help", b"Body=" + b"x" * 70_000,
             "TWILIO_AUTH_TOKEN"),
    Provider("meta", "/social/meta/webhook/", "application/json", b'{"object": "page"}',
             b"{" + b" " * (1024 * 1024), "META_APP_SECRET"),
    Provider("x", "/social/x/webhook/", "application/json", b'{"for_user_id": "1"}',
             b"{" + b" " * (1024 * 1024), "X_CONSUMER_SECRET"),
]


@pytest.fixture(params=PROVIDERS, ids=lambda provider: provider.name)
def provider(request, settings) -> Provider:
    request.getfixturevalue("twilio")
    meta_configure(settings, NOWHERE)
    x_configure(settings, NOWHERE)
    return request.param


def _post(client, provider: Provider, body: bytes | None = None):
    return client.post(provider.path, body if body is not None else provider.body,
                       content_type=provider.content_type)


def _refused(response, status: int, text: bytes, kind: str, provider: Provider) -> None:
    assert (response.status_code, response.content) == (status, text)
    assert not Message.objects.exists()
    event = SecurityEvent.objects.get()
    assert (event.kind, event.detail) == (kind, {"provider": provider.name})


def test_an_unsigned_delivery_is_refused_alike_by_every_provider(client, provider):
    _refused(_post(client, provider), 403, b"Invalid signature.", "bad_signature", provider)


def test_an_oversized_body_is_refused_alike_by_every_provider(client, provider):
    _refused(_post(client, provider, provider.oversized), 413, b"Request body too large.",
             "oversized_body", provider)


def test_a_provider_without_credentials_is_off_and_says_so(client, provider, settings):
    setattr(settings, provider.secret_setting, "")

    response = _post(client, provider)

    assert response.status_code == 503
    assert b"is not configured on this hub." in response.content
    assert (SecurityEvent.objects.get().kind, SecurityEvent.objects.get().detail) == (
        "provider_not_configured", {"provider": provider.name})


def test_other_methods_are_refused_by_every_provider_without_an_event(client, provider):
    response = client.put(provider.path, provider.body, content_type=provider.content_type)

    assert response.status_code == 405
    assert not SecurityEvent.objects.exists()
