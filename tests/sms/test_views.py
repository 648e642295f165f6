"""Twilio's messaging webhooks: inbound texts and status callbacks, and every bad input."""

from __future__ import annotations

import pytest

from contact_hub.conversations.models import Message
from contact_hub.followups.models import FollowUp
from contact_hub.people.models import Identity, Person
from contact_hub.staff.models import SecurityEvent
from tests.media_host import MEDIA_URL, MediaHost
from tests.twilio_fakes import ACCOUNT_SID, signed_twilio_post

pytestmark = pytest.mark.django_db
INBOUND = "/sms/twilio/inbound/"
STATUS = "/sms/twilio/status/"
HUB_NUMBER = "+447700900000"
IMAGE = b"\x89PNG\r\n\x1a\n" + b"x" * 5000


@pytest.fixture(autouse=True)
def hub_number(settings, twilio):
    settings.TWILIO_SMS_NUMBERS = [HUB_NUMBER]


def sms_form(**overrides: str) -> dict[str, str]:
    form = {"MessageSid": "SM" + "a" * 32, "SmsSid": "SM" + "a" * 32, "AccountSid": ACCOUNT_SID,
            "MessagingServiceSid": "", "From": "+447700900501", "To": HUB_NUMBER,
            "Body": "Can someone call me after 6?", "NumMedia": "0", "NumSegments": "1",
            "SmsStatus": "received", "ApiVersion": "2010-04-01", "FromCountry": "GB"}
    return form | overrides


def post(client, path: str, form: dict[str, str], **extra):
    signed = signed_twilio_post(path, form)
    return client.post(path, signed.data, **signed.headers, **extra)


def test_an_inbound_text_is_stored_and_answered_with_empty_twiml(client):
    response = post(client, INBOUND, sms_form())

    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml"
    assert response.content.decode().endswith("<Response />")
    message = Message.objects.get()
    assert (message.channel, message.provider, message.text) == (
        "sms", "twilio", "Can someone call me after 6?")
    assert Identity.objects.get().value == "+447700900501"


def test_a_redelivered_text_is_stored_once(client):
    post(client, INBOUND, sms_form())
    post(client, INBOUND, sms_form())

    assert Message.objects.count() == 1


def test_mms_media_references_are_stored_and_fetched_once_after_the_answer(
        client, media_host: MediaHost, django_capture_on_commit_callbacks):
    media_host.server.reply(200, IMAGE, {"Content-Type": "image/png"})
    form = sms_form(MessageSid="MM" + "b" * 32, NumMedia="1", Body="", MediaUrl0=MEDIA_URL,
                    MediaContentType0="image/png")

    with django_capture_on_commit_callbacks(execute=True):
        post(client, INBOUND, form)
        post(client, INBOUND, form)
        assert Message.objects.get().media == [{"url": MEDIA_URL, "content_type": "image/png"}]

    [entry] = Message.objects.get().media
    assert (entry["status"], entry["size"]) == ("stored", len(IMAGE))
    assert FollowUp.objects.filter(task_name="followups.media_fetch").count() == 1
    assert len(media_host.server.requests) == 1


def test_behind_a_tls_proxy_the_public_url_is_what_is_signed(client, settings):
    signed = signed_twilio_post(INBOUND, sms_form(), base_url="https://hub.example.police.uk")

    response = client.post(INBOUND, signed.data, **signed.headers,
                           HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="localhost:8000")

    assert response.status_code == 200
    assert Message.objects.count() == 1


@pytest.mark.parametrize("word", ["STOP", "stop", "Unsubscribe."])
def test_an_opt_out_keyword_stops_further_texts(client, word,
                                                django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, INBOUND, sms_form(Body=word))

    assert Identity.objects.get().opted_out_at is not None


def test_start_opts_back_in(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, INBOUND, sms_form(Body="STOP"))
        post(client, INBOUND, sms_form(MessageSid="SM" + "c" * 32, Body="START"))

    assert Identity.objects.get().opted_out_at is None


def test_a_forged_signature_is_refused_and_nothing_is_stored(client):
    signed = signed_twilio_post(INBOUND, sms_form(), token="not-our-token")

    response = client.post(INBOUND, signed.data, **signed.headers)

    assert response.status_code == 403
    assert not Message.objects.exists()
    assert not Person.objects.exists()
    assert SecurityEvent.objects.get().kind == "bad_signature"


def test_a_missing_signature_is_refused(client):
    response = client.post(INBOUND, sms_form())

    assert response.status_code == 403
    assert SecurityEvent.objects.get().kind == "bad_signature"


def test_one_changed_byte_breaks_the_signature(client):
    signed = signed_twilio_post(INBOUND, sms_form())
    signed.data["Body"] = signed.data["Body"].replace("6", "7")

    assert client.post(INBOUND, signed.data, **signed.headers).status_code == 403
    assert not Message.objects.exists()


def test_a_malformed_form_is_refused_with_400(client):
    response = post(client, INBOUND, sms_form(MessageSid="", SmsSid=""))

    assert response.status_code == 400
    assert not Message.objects.exists()
    assert SecurityEvent.objects.get().kind == "malformed_payload"


def test_an_oversized_body_is_refused_with_413(client):
    response = post(client, INBOUND, sms_form(Body="x" * 70_000))

    assert response.status_code == 413
    assert not Message.objects.exists()
    assert SecurityEvent.objects.get().kind == "oversized_body"


def test_a_text_to_a_number_that_is_not_ours_is_ignored_with_200(client):
    response = post(client, INBOUND, sms_form(To="+447700900999"))

    assert response.status_code == 200
    assert not Message.objects.exists()
    assert SecurityEvent.objects.get().kind == "unknown_destination"


def test_a_sender_that_is_not_a_number_is_refused_with_400(client):
    response = post(client, INBOUND, sms_form(From="BANK"))

    assert response.status_code == 400
    assert not Message.objects.exists()
    assert SecurityEvent.objects.get().kind == "malformed_payload"


def test_get_is_not_allowed(client):
    assert client.get(INBOUND).status_code == 405


def test_without_twilio_credentials_the_webhook_says_it_is_off(client, settings):
    settings.TWILIO_AUTH_TOKEN = ""

    response = post(client, INBOUND, sms_form())

    assert response.status_code == 503
    assert not Message.objects.exists()


def test_refusals_record_no_message_content(client):
    signed = signed_twilio_post(INBOUND, sms_form(Body="secret words"), token="forged")
    client.post(INBOUND, signed.data, **signed.headers)

    event = SecurityEvent.objects.get()
    assert "secret words" not in str(event.detail)
    assert "900501" not in str(event.detail)


@pytest.fixture
def sent_text(coordinator):
    from contact_hub.conversations.services import conversation_open, message_send
    from tests.factories import received_message

    identity = received_message(sender="+447700900502").conversation.identity
    message = message_send(conversation=conversation_open(identity=identity, channel="sms"),
                           body="Is now a good time?", actor=coordinator)
    Message.objects.filter(pk=message.pk).update(status="sent", provider="twilio",
                                                 provider_message_id="SM" + "d" * 32)
    return message


def status_form(status: str, **extra: str) -> dict[str, str]:
    return {"MessageSid": "SM" + "d" * 32, "MessageStatus": status, "AccountSid": ACCOUNT_SID,
            "To": "+447700900502", "From": HUB_NUMBER} | extra


def test_a_status_callback_moves_delivery_forward(client, sent_text):
    response = post(client, STATUS, status_form("delivered"))

    assert response.status_code == 204
    sent_text.refresh_from_db()
    assert sent_text.status == "delivered"


def test_a_replayed_or_late_status_never_moves_it_back(client, sent_text):
    post(client, STATUS, status_form("delivered"))
    post(client, STATUS, status_form("sent"))
    post(client, STATUS, status_form("delivered"))

    sent_text.refresh_from_db()
    assert sent_text.status == "delivered"


def test_a_failure_records_twilios_error_code(client, sent_text):
    post(client, STATUS, status_form("undelivered", ErrorCode="30003"))

    sent_text.refresh_from_db()
    assert (sent_text.status, sent_text.error_code) == ("undelivered", "30003")


def test_a_status_for_an_unknown_message_is_answered_200_and_changes_nothing(client, sent_text):
    stored = Message.objects.count()

    response = post(client, STATUS, status_form("delivered", MessageSid="SM" + "e" * 32))

    assert response.status_code == 204
    sent_text.refresh_from_db()
    assert sent_text.status == "sent"
    assert Message.objects.count() == stored


def test_an_unknown_status_value_is_refused(client, sent_text):
    response = post(client, STATUS, status_form("exploded"))

    assert response.status_code == 400
    sent_text.refresh_from_db()
    assert sent_text.status == "sent"


def test_a_forged_status_callback_is_refused(client, sent_text):
    signed = signed_twilio_post(STATUS, status_form("failed"), token="forged")

    assert client.post(STATUS, signed.data, **signed.headers).status_code == 403
    sent_text.refresh_from_db()
    assert sent_text.status == "sent"
