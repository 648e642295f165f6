"""MMS media is fetched only from Twilio's hosts, only up to the size limit."""

from __future__ import annotations

import hashlib

import pytest

from contact_hub.conversations.models import Message
from contact_hub.followups.models import FollowUp
from contact_hub.sms.tasks import media_fetch, media_host_allowed
from tests.factories import received_message
from tests.provider_server import provider_server

pytestmark = pytest.mark.django_db
IMAGE = b"\x89PNG\r\n" + b"x" * 5000


@pytest.fixture
def media_host(settings, twilio, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.DEBUG_MEDIA_HTTP = True
    settings.TWILIO_MEDIA_HOSTS = ["127.0.0.1"]
    with provider_server() as server:
        yield server


def message_with_media(*urls: str) -> Message:
    message = received_message()
    Message.objects.filter(pk=message.pk).update(
        media=[{"url": url, "content_type": "image/png"} for url in urls])
    return message


def run_fetch(message: Message) -> list[dict]:
    from contact_hub.followups.services import followup_queue

    followup = followup_queue(media_fetch, message_id=message.pk)
    media_fetch(followup.pk)
    assert FollowUp.objects.get(pk=followup.pk).done_at is not None
    message.refresh_from_db()
    return message.media


def test_media_is_stored_by_its_sha256(media_host, settings):
    media_host.reply(200, IMAGE, {"Content-Type": "image/png"})

    [entry] = run_fetch(message_with_media(f"{media_host.url}/Media/ME1"))

    digest = hashlib.sha256(IMAGE).hexdigest()
    assert entry["status"] == "stored"
    assert (entry["sha256"], entry["size"]) == (digest, len(IMAGE))
    assert (settings.MEDIA_ROOT / digest).read_bytes() == IMAGE


def test_redirects_are_followed_only_to_allowed_hosts(media_host):
    media_host.reply(307, b"", {"Location": "http://169.254.169.254/latest/meta-data"})

    [entry] = run_fetch(message_with_media(f"{media_host.url}/Media/ME2"))

    assert entry["status"] == "refused: not a Twilio media host"
    assert len(media_host.requests) == 1


def test_a_url_on_another_host_is_never_fetched(media_host):
    [entry] = run_fetch(message_with_media("http://localhost:9/evil"))

    assert entry["status"] == "refused: not a Twilio media host"
    assert media_host.requests == []


def test_media_over_the_size_limit_is_refused_and_not_stored(media_host, settings):
    settings.HUB_MEDIA_MAX_BYTES = 1000
    media_host.reply(200, IMAGE)

    [entry] = run_fetch(message_with_media(f"{media_host.url}/Media/ME3"))

    assert entry["status"] == "refused: larger than the size limit"
    assert list(settings.MEDIA_ROOT.iterdir()) == []


@pytest.mark.parametrize("url, allowed", [
    ("https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM/Media/ME", True),
    ("https://s3-external-1.twiliocdn.com/x", True),
    ("https://api.twilio.com.evil.example/x", False),
    ("http://api.twilio.com/x", False),
    ("https://eviltwiliocdn.com/x", False),
])
def test_only_twilio_https_hosts_are_allowed(settings, url, allowed):
    settings.TWILIO_MEDIA_HOSTS = ["api.twilio.com", ".twiliocdn.com"]

    assert media_host_allowed(url) is allowed


def test_staff_see_a_stored_attachment_and_the_look_is_logged(media_host, coordinator,
                                                              staff_client):
    from contact_hub.staff.models import AccessEvent

    media_host.reply(200, IMAGE, {"Content-Type": "image/png"})
    message = message_with_media(f"{media_host.url}/Media/ME4")
    run_fetch(message)
    client = staff_client(coordinator)

    thread = client.get(f"/people/{message.conversation.person_id}/thread/").content.decode()
    response = client.get(f"/contacts/messages/{message.pk}/media/0/")

    assert "Attachment 1 (image/png" in thread
    assert b"".join(response.streaming_content) == IMAGE
    assert response["Cache-Control"] == "no-store"
    assert AccessEvent.objects.filter(what="message attachment").exists()


def test_an_attachment_that_was_refused_cannot_be_opened(media_host, coordinator,
                                                         staff_client):
    message = message_with_media("http://localhost:9/evil")
    run_fetch(message)

    response = staff_client(coordinator).get(f"/contacts/messages/{message.pk}/media/0/")

    assert response.status_code == 404
