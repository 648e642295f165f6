"""The forger cannot make the hub fetch anything but Twilio's own media (threat 2: no SSRF by
parser differences, redirects, private addresses or DNS rebinding), nor get Twilio's
credentials sent anywhere else.

Twilio's hosts resolve (through a fake DNS) to a local HTTPS server with a test CA's
certificate; any connection elsewhere would be refused by the suite's network guard, so a
refusal below is the fetcher's own, made before connecting.
"""

from __future__ import annotations

import pytest

from contact_hub.sms.media import address_public
from contact_hub.staff.models import SecurityEvent
from tests.media_host import (
    MEDIA_URL,
    MediaHost,
    media_fetch_run,
    message_with_media,
    twilio_media_host,
)

pytestmark = pytest.mark.django_db
IMAGE = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


@pytest.fixture
def media_host(settings, twilio, tmp_path, monkeypatch):
    with twilio_media_host(settings, monkeypatch, tmp_path) as host:
        yield host


def assert_refused(entry: dict, media_host: MediaHost, reason: str) -> None:
    """Refused, nothing stored, Twilio's credentials only ever sent to Twilio's API, and a
    security event that names the reason but no URL."""
    assert entry["status"].startswith("refused: ")
    assert "sha256" not in entry
    assert media_host.stored_files() == []
    assert set(media_host.hosts_given_credentials()) <= {"api.twilio.com"}
    event = SecurityEvent.objects.get(kind="media_refused")
    assert event.detail == {"provider": "twilio", "reason": reason}


@pytest.mark.parametrize("url, reason", [
    ("https://evil.example\\@api.twilio.com/x", "odd characters"),
    ("https://10.0.0.5\\.twiliocdn.com/", "odd characters"),
    ("https://api.twilio.com /x", "odd characters"),
    ("https://\u0430pi.twilio.com/x", "odd characters"),
    ("https://user:pw@api.twilio.com/", "userinfo"),
    ("https://api.twilio.com@evil.example/", "userinfo"),
    ("https://api.twilio.com:8443/", "port"),
    ("http://api.twilio.com/", "not https"),
    ("//api.twilio.com/x", "not https"),
    ("https://api.twilio.com.evil.example/", "not a Twilio host"),
    ("https://10.0.0.5/", "not a Twilio host"),
])
def test_a_url_that_parsers_could_read_differently_is_never_fetched(media_host: MediaHost,
                                                                     url, reason):
    [entry] = media_fetch_run(message_with_media(url))

    assert_refused(entry, media_host, reason)
    assert media_host.server.requests == [] and media_host.dns.lookups == []


@pytest.mark.parametrize("location, reason", [
    ("https://evil.example/latest/meta-data", "not a Twilio host"),
    ("http://169.254.169.254/latest/meta-data", "not https"),
    ("https://evil.example\\@media.twiliocdn.com/x", "odd characters"),
    ("//evil.example/x", "not https"),
    ("https://internal.twiliocdn.com/x", "private address"),
])
def test_a_redirect_off_twilio_or_to_a_private_address_is_refused(media_host: MediaHost,
                                                                   location, reason):
    media_host.dns.answer("internal.twiliocdn.com", ["10.0.0.5"])
    media_host.server.reply(307, b"", {"Location": location})

    [entry] = media_fetch_run(message_with_media(MEDIA_URL))

    assert_refused(entry, media_host, reason)
    assert len(media_host.server.requests) == 1


@pytest.mark.parametrize("address", [
    "127.0.0.1", "10.0.0.5", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "fc00::1",
    "fe80::1", "::ffff:127.0.0.1", "64:ff9b::a00:5",
])
def test_a_twilio_name_that_resolves_to_a_private_address_is_refused(media_host: MediaHost,
                                                                     settings, address):
    settings.HUB_MEDIA_TEST_NETWORKS = []  # as in production: loopback is not reachable either
    media_host.dns.answer("api.twilio.com", [address])

    [entry] = media_fetch_run(message_with_media(MEDIA_URL))

    assert_refused(entry, media_host, "private address")
    assert entry["status"] == "refused: not a public address"
    assert media_host.server.requests == []


def test_one_private_answer_among_public_ones_refuses_the_host(media_host: MediaHost):
    media_host.dns.answer("api.twilio.com", ["127.0.0.1", "10.0.0.5"])

    [entry] = media_fetch_run(message_with_media(MEDIA_URL))

    assert_refused(entry, media_host, "private address")
    assert media_host.server.requests == []


def test_the_connection_goes_to_the_address_that_was_checked(media_host: MediaHost):
    # A rebinding DNS: the checked answer is reachable, any later lookup says 10.0.0.5.
    media_host.dns.answer("api.twilio.com", ["127.0.0.1"], ["10.0.0.5"])
    media_host.server.reply(200, IMAGE)

    [entry] = media_fetch_run(message_with_media(MEDIA_URL))

    assert entry["status"] == "stored"
    assert media_host.dns.lookups == ["api.twilio.com"]
    assert len(media_host.server.requests) == 1


def test_every_redirect_hop_is_looked_up_once_and_connected_as_checked(media_host: MediaHost):
    media_host.dns.answer("media.twiliocdn.com", ["127.0.0.1"], ["169.254.169.254"])
    media_host.server.reply(302, b"", {"Location": "https://media.twiliocdn.com/ME1"})
    media_host.server.reply(200, IMAGE)

    [entry] = media_fetch_run(message_with_media(MEDIA_URL))

    assert entry["status"] == "stored"
    assert media_host.dns.lookups == ["api.twilio.com", "media.twiliocdn.com"]


def test_a_rebinding_answer_that_turns_private_first_is_refused(media_host: MediaHost):
    media_host.dns.answer("api.twilio.com", ["10.0.0.5"], ["127.0.0.1"])

    [entry] = media_fetch_run(message_with_media(MEDIA_URL))

    assert_refused(entry, media_host, "private address")
    assert media_host.server.requests == []


def test_a_certificate_not_for_the_host_name_is_refused_before_credentials_are_sent(
        media_host: MediaHost, settings):
    settings.TWILIO_MEDIA_HOSTS = ["api.twilio.com", ".twiliocdn.com", "api.twilio.example"]
    media_host.dns.answer("api.twilio.example", ["127.0.0.1"])

    [entry] = media_fetch_run(message_with_media("https://api.twilio.example/x"))

    assert_refused(entry, media_host, "certificate")
    assert entry["status"] == "refused: untrusted certificate"
    assert media_host.server.requests == []


def test_twilio_media_behind_its_redirect_is_stored(media_host: MediaHost, settings):
    media_host.server.reply(307, b"", {"Location": "https://media.twiliocdn.com/ME1?sig=x"})
    media_host.server.reply(200, IMAGE, {"Content-Type": "image/png"})

    [entry] = media_fetch_run(message_with_media(MEDIA_URL))

    assert entry["status"] == "stored" and entry["stored_type"] == "image/png"
    assert [path.read_bytes() for path in media_host.stored_files()] == [IMAGE]
    assert [r.path for r in media_host.server.requests] == [
        "/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1", "/ME1?sig=x"]
    assert media_host.hosts_given_credentials() == ["api.twilio.com"]
    assert not SecurityEvent.objects.exists()


@pytest.mark.parametrize("address, public", [
    ("54.172.60.1", True),
    ("2600:1f18::1", True),
    ("10.1.2.3", False),
    ("172.16.0.1", False),
    ("192.168.1.1", False),
    ("127.0.0.1", False),
    ("169.254.169.254", False),
    ("100.64.0.1", False),
    ("100.127.255.254", False),
    ("0.1.2.3", False),
    ("224.0.0.1", False),
    ("240.0.0.1", False),
    ("255.255.255.255", False),
    ("::", False),
    ("::1", False),
    ("::ffff:10.0.0.5", False),
    ("fc00::1", False),
    ("fd12:3456::1", False),
    ("fe80::1", False),
    ("fec0::1", False),
    ("ff02::1", False),
    ("64:ff9b::7f00:1", False),
    ("2002:a00:5::1", False),
])
def test_only_public_addresses_are_reachable(settings, address, public):
    settings.HUB_MEDIA_TEST_NETWORKS = []

    assert address_public(address) is public
