"""MMS media is fetched only from Twilio's hosts, only up to the size limit."""

from __future__ import annotations

import hashlib

import pytest

from contact_hub.followups.models import FollowUp
from contact_hub.sms.media import MediaRefused, media_target
from contact_hub.sms.tasks import media_fetch, media_fetch_queue
from contact_hub.staff.models import SecurityEvent
from tests.media_host import MEDIA_URL, MediaHost, media_fetch_run, message_with_media

pytestmark = pytest.mark.django_db
IMAGE = b"\x89PNG\r\n\x1a\n" + b"x" * 5000


def test_media_is_stored_by_its_sha256(media_host: MediaHost, settings):
    media_host.server.reply(200, IMAGE, {"Content-Type": "image/png"})

    [entry] = media_fetch_run(message_with_media(MEDIA_URL))

    digest = hashlib.sha256(IMAGE).hexdigest()
    assert entry["status"] == "stored"
    assert (entry["sha256"], entry["size"]) == (digest, len(IMAGE))
    assert (settings.MEDIA_ROOT / digest).read_bytes() == IMAGE


def test_the_type_the_bytes_show_is_recorded_beside_the_declared_one(media_host: MediaHost):
    media_host.server.reply(200, b"<svg onload='alert(1)'/>", {"Content-Type": "image/png"})

    [entry] = media_fetch_run(message_with_media(MEDIA_URL))

    assert (entry["content_type"], entry["stored_type"]) == ("image/png",
                                                             "application/octet-stream")


def test_twilio_credentials_go_to_api_twilio_com_only(media_host: MediaHost):
    media_host.server.reply(307, b"", {"Location": "https://media.twiliocdn.com/ME1"})
    media_host.server.reply(200, IMAGE)

    [entry] = media_fetch_run(message_with_media(MEDIA_URL))

    assert entry["status"] == "stored"
    assert [r.headers["Host"] for r in media_host.server.requests] == ["api.twilio.com",
                                                                       "media.twiliocdn.com"]
    assert media_host.hosts_given_credentials() == ["api.twilio.com"]


def test_redirects_are_followed_only_to_allowed_hosts(media_host: MediaHost):
    media_host.server.reply(307, b"", {"Location": "http://169.254.169.254/latest/meta-data"})

    [entry] = media_fetch_run(message_with_media(MEDIA_URL))

    assert entry["status"] == "refused: not a Twilio media host"
    assert len(media_host.server.requests) == 1


def test_a_url_on_another_host_is_never_fetched(media_host: MediaHost):
    [entry] = media_fetch_run(message_with_media("https://localhost/evil"))

    assert entry["status"] == "refused: not a Twilio media host"
    assert media_host.server.requests == []


def test_media_over_the_size_limit_is_refused_and_not_stored(media_host: MediaHost, settings):
    settings.HUB_MEDIA_MAX_BYTES = 1000
    media_host.server.reply(200, IMAGE)

    [entry] = media_fetch_run(message_with_media(MEDIA_URL))

    assert entry["status"] == "refused: larger than the size limit"
    assert media_host.stored_files() == []
    assert SecurityEvent.objects.get(kind="media_refused").detail == {
        "provider": "twilio", "reason": "too large"}


def test_a_host_that_does_not_answer_is_tried_again_later(media_host: MediaHost):
    from contact_hub.followups.services import followup_queue

    media_host.dns.answer("api.twilio.com")
    message = message_with_media(MEDIA_URL)
    followup = followup_queue(media_fetch, message_id=message.pk)

    media_fetch(followup.pk)

    followup.refresh_from_db()
    message.refresh_from_db()
    assert followup.done_at is None and followup.last_error == "MediaUnreachable"
    assert "status" not in message.media[0]


@pytest.mark.parametrize("url", [
    "https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM/Media/ME",
    "https://s3-external-1.twiliocdn.com/x",
    "https://API.Twilio.com:443/x",
])
def test_twilio_https_hosts_are_allowed(settings, url):
    settings.TWILIO_MEDIA_HOSTS = ["api.twilio.com", ".twiliocdn.com"]

    assert media_target(url).host in ("api.twilio.com", "s3-external-1.twiliocdn.com")


@pytest.mark.parametrize("url", [
    "https://api.twilio.com.evil.example/x",
    "http://api.twilio.com/x",
    "https://eviltwiliocdn.com/x",
    "https://twiliocdn.com/x",
    "https://54.172.60.1/x",
])
def test_other_hosts_are_refused(settings, url):
    settings.TWILIO_MEDIA_HOSTS = ["api.twilio.com", ".twiliocdn.com"]

    with pytest.raises(MediaRefused):
        media_target(url)


def test_staff_see_a_stored_attachment_and_the_look_is_logged(media_host: MediaHost,
                                                              coordinator, staff_client):
    from contact_hub.staff.models import AccessEvent

    media_host.server.reply(200, IMAGE, {"Content-Type": "image/png"})
    message = message_with_media(MEDIA_URL)
    media_fetch_run(message)
    client = staff_client(coordinator)

    thread = client.get(f"/people/{message.conversation.person_id}/thread/").content.decode()
    response = client.get(f"/contacts/messages/{message.pk}/media/0/")

    assert "Attachment 1 (image/png" in thread
    assert response.content == IMAGE and response["Content-Type"] == "image/png"
    assert "no-store" in response["Cache-Control"]
    assert AccessEvent.objects.filter(what="message attachment").exists()


def test_an_attachment_that_was_refused_cannot_be_opened(media_host: MediaHost, coordinator,
                                                         staff_client):
    message = message_with_media("https://localhost/evil")
    media_fetch_run(message)

    response = staff_client(coordinator).get(f"/contacts/messages/{message.pk}/media/0/")

    assert response.status_code == 404


# The received-message hook that queues the fetch.

def _fetches_queued(message_id: int) -> int:
    return FollowUp.objects.filter(task_name=media_fetch.name,
                                   payload__message_id=message_id).count()


def test_the_hook_queues_one_fetch_for_a_text_with_media():
    with_media, without = message_with_media(MEDIA_URL), message_with_media()

    media_fetch_queue([with_media.pk, without.pk])

    assert (_fetches_queued(with_media.pk), _fetches_queued(without.pk)) == (1, 0)


def test_a_hook_run_again_for_the_same_text_queues_no_second_fetch():
    message = message_with_media(MEDIA_URL)

    media_fetch_queue([message.pk])
    media_fetch_queue([message.pk])

    assert _fetches_queued(message.pk) == 1
