"""The hub's edge, from the outsider's side: forwarded-for headers believed only from the
proxies named in settings, and request bodies refused while they are read, chunked or not."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from asgiref.testing import ApplicationCommunicator

from contact_hub.asgi import application, client_address_from_trusted_proxies, django_asgi_app
from contact_hub.conversations.models import Message
from contact_hub.staff.models import SecurityEvent

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("close_thread_connections")]
X_WEBHOOK = "/social/x/webhook/"


@pytest.fixture
def x_configured(settings):
    settings.X_CONSUMER_SECRET, settings.X_USER_ID = "x-consumer-secret", "4001"


def _scope(path: str, *, client: str = "203.0.113.9", method: str = "POST",
           headers: list[tuple[bytes, bytes]] = ()) -> dict:
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
            "query_string": b"", "root_path": "", "client": (client, 50000),
            "server": ("127.0.0.1", 8000),
            "headers": [(b"host", b"127.0.0.1"), *headers]}


async def _exchange(app, scope: dict, chunks: list[bytes]) -> tuple[int, dict, bytes]:
    """Sends the body in the chunks given (no Content-Length unless the scope has one)."""
    talk = ApplicationCommunicator(app, scope)
    for index, chunk in enumerate(chunks or [b""]):
        await talk.send_input({"type": "http.request", "body": chunk,
                               "more_body": index < len(chunks) - 1})
    start = await talk.receive_output(10)
    body = b""
    while True:
        message = await talk.receive_output(10)
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await talk.wait(5)
    return start["status"], {k.lower(): v for k, v in start["headers"]}, body


async def _events(kind: str) -> list[SecurityEvent]:
    return await sync_to_async(lambda: list(SecurityEvent.objects.filter(kind=kind)))()


async def test_a_chunked_body_over_the_limit_is_refused_while_it_is_read(x_configured,
                                                                         settings):
    settings.HUB_REQUEST_MAX_BYTES = 64 * 1024
    chunks = [b"{" + b" " * (16 * 1024)] * 8  # 128 KiB, never a Content-Length

    status, _, body = await _exchange(application, _scope(X_WEBHOOK), chunks)

    assert status == 413 and body == b"Request body too large."
    assert not await sync_to_async(Message.objects.exists)()
    [event] = await _events("oversized_body")
    assert event.source_ip == "203.0.113.9" and event.path == X_WEBHOOK


async def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_read(settings):
    settings.HUB_REQUEST_MAX_BYTES = 64 * 1024
    scope = _scope("/callback/request/", headers=[(b"content-length", b"999999999")])

    status, _, _ = await _exchange(application, scope, [b"x"])

    assert status == 413
    assert len(await _events("oversized_body")) == 1


async def test_a_chunked_body_under_the_limit_reaches_the_endpoint_whole(x_configured):
    status, _, body = await _exchange(application, _scope(X_WEBHOOK), [b'{"for_', b'user_id"}'])

    # It got as far as the signature check: the endpoint saw the whole body.
    assert (status, body) == (403, b"Invalid signature.")
    assert await _events("oversized_body") == []


async def test_an_evidence_still_may_be_larger_than_a_webhook(settings):
    settings.HUB_REQUEST_MAX_BYTES = 64 * 1024
    scope = _scope("/rvr/sessions/1/stills/", headers=[(b"content-length", b"200000")])

    status, _, _ = await _exchange(application, scope, [b"x" * 200000])

    assert status != 413  # refused for want of a signed-in officer, not for its size


@pytest.mark.parametrize("trusted, client, expected", [
    ([], "203.0.113.9", "203.0.113.9"),                 # no proxy named: headers ignored
    (["10.0.0.2"], "203.0.113.9", "203.0.113.9"),       # not from the proxy: ignored
    (["10.0.0.2"], "10.0.0.2", "198.51.100.7"),         # from the proxy: believed
    (["10.0.0.0/24"], "10.0.0.2", "198.51.100.7"),      # a proxy network
])
async def test_the_client_address_comes_from_the_trusted_proxy_only(settings, trusted, client,
                                                                    expected):
    settings.HUB_TRUSTED_PROXIES = trusted
    app = client_address_from_trusted_proxies(django_asgi_app)
    scope = _scope("/sms/twilio/inbound/", client=client,
                   headers=[(b"x-forwarded-for", b"198.51.100.7")])

    status, _, _ = await _exchange(app, scope, [b""])

    assert status == 503  # Twilio is not configured here: a refusal with its event
    [event] = await _events("provider_not_configured")
    assert event.source_ip == expected


@pytest.mark.parametrize("trusted, client, scheme", [
    ([], "203.0.113.9", "ws"), (["10.0.0.2"], "203.0.113.9", "ws"),
    (["10.0.0.2"], "10.0.0.2", "wss"),
])
async def test_https_is_believed_only_from_the_trusted_proxy(settings, trusted, client, scheme):
    settings.HUB_TRUSTED_PROXIES = trusted
    app = client_address_from_trusted_proxies(django_asgi_app)
    scope = _scope("/staff/login/", client=client, method="GET",
                   headers=[(b"x-forwarded-proto", b"https")])

    status, headers, body = await _exchange(app, scope, [b""])
    assert status == 200, body[:300]

    assert f"connect-src 'self' {scheme}://127.0.0.1".encode() in headers[
        b"content-security-policy"]
