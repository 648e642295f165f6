"""Meta's webhook for Messenger, Instagram and WhatsApp, and every bad input."""

from __future__ import annotations

import json

import pytest

from contact_hub.conversations.models import Message
from contact_hub.people.models import Identity, Person
from contact_hub.staff.models import SecurityEvent
from tests.social.conftest import fixture_payload, meta_signature

pytestmark = pytest.mark.django_db
WEBHOOK = "/social/meta/webhook/"


def deliver(client, payload: dict | bytes, *, signature: str | None = None):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return client.post(WEBHOOK, body, content_type="application/json",
                       HTTP_X_HUB_SIGNATURE_256=signature or meta_signature(body))


def test_the_subscription_handshake_echoes_the_challenge(client, meta):
    response = client.get(WEBHOOK, {"hub.mode": "subscribe", "hub.verify_token": "verify-me",
                                    "hub.challenge": "1158201444"})

    assert response.status_code == 200
    assert response.content == b"1158201444"


def test_a_wrong_verify_token_fails_the_handshake(client, meta):
    response = client.get(WEBHOOK, {"hub.mode": "subscribe", "hub.verify_token": "guess",
                                    "hub.challenge": "1158201444"})

    assert response.status_code == 403
    assert SecurityEvent.objects.get().kind == "bad_verify_token"


@pytest.mark.parametrize("fixture, channel, sender", [
    ("meta/messenger_text.json", "messenger", "7100000000000001"),
    ("meta/instagram_text.json", "instagram", "1784000000000001"),
    ("meta/whatsapp_text.json", "whatsapp", "+447700900601"),
])
def test_a_text_on_each_meta_channel_is_taken_in(client, meta, fixture, channel, sender):
    response = deliver(client, fixture_payload(fixture))

    assert response.status_code == 200
    message = Message.objects.get()
    assert (message.channel, message.provider) == (channel, "meta")
    assert message.conversation.identity.value == sender
    assert message.text


def test_whatsapp_and_sms_from_one_number_are_one_person(client, meta):
    from tests.factories import received_message

    received_message(channel="sms", sender="07700 900601")
    deliver(client, fixture_payload("meta/whatsapp_text.json"))

    assert Person.objects.count() == 1


def test_a_batch_with_several_entries_and_a_duplicate_stores_each_message_once(client, meta):
    deliver(client, fixture_payload("meta/messenger_batch.json"))

    assert sorted(Message.objects.values_list("provider_message_id", flat=True)) == [
        "m_batch_1", "m_batch_2", "m_batch_3"]
    assert Identity.objects.count() == 2


def test_a_redelivered_batch_stores_nothing_new(client, meta):
    deliver(client, fixture_payload("meta/messenger_batch.json"))
    deliver(client, fixture_payload("meta/messenger_batch.json"))

    assert Message.objects.count() == 3


def test_attachments_are_kept_as_media_references(client, meta):
    deliver(client, fixture_payload("meta/messenger_attachment.json"))

    assert Message.objects.get().media == [
        {"url": "https://scontent.xx.fbcdn.net/v/t1.15752-9/photo.jpg", "content_type": "image"}]


def test_a_whatsapp_image_keeps_its_caption_and_media_id(client, meta):
    deliver(client, fixture_payload("meta/whatsapp_image.json"))

    message = Message.objects.get()
    assert message.text == "my arm"
    assert message.media == [{"url": "whatsapp-media:1234567890", "content_type": "image/jpeg"}]


def test_our_own_echoed_replies_are_not_taken_in_as_contacts(client, meta):
    response = deliver(client, fixture_payload("meta/messenger_echo.json"))

    assert response.status_code == 200
    assert not Message.objects.exists()


def test_an_unsupported_message_type_is_answered_200_and_recorded(client, meta):
    response = deliver(client, fixture_payload("meta/whatsapp_reaction.json"))

    assert response.status_code == 200
    assert not Message.objects.exists()
    event = SecurityEvent.objects.get()
    assert event.kind == "unsupported_message_type"
    assert event.detail["reason"] == "unsupported message type reaction"


@pytest.fixture
def reply(coordinator):
    from contact_hub.conversations.services import message_send

    def sent(fixture: str, provider_id: str) -> Message:
        inbound = Message.objects.get(provider_message_id=fixture)
        message = message_send(conversation=inbound.conversation, body="Are you safe?",
                               actor=coordinator)
        Message.objects.filter(pk=message.pk).update(status="sent", provider="meta",
                                                     provider_message_id=provider_id)
        return message

    return sent


def test_whatsapp_statuses_move_delivery_forward_only(client, meta, reply):
    deliver(client, fixture_payload("meta/whatsapp_text.json"))
    message = reply("wamid.HBgMNDQ3NzAwOTAwNjAxFQIAEhggQjE2", "wamid.reply1")

    deliver(client, fixture_payload("meta/whatsapp_status_delivered.json"))
    deliver(client, fixture_payload("meta/whatsapp_status_sent.json"))

    message.refresh_from_db()
    assert message.status == "delivered"


def test_messenger_delivery_and_read_receipts_are_applied(client, meta, reply):
    deliver(client, fixture_payload("meta/messenger_text.json"))
    message = reply("m_messenger_text_1", "m_reply_1")

    deliver(client, fixture_payload("meta/messenger_delivery.json"))
    message.refresh_from_db()
    assert message.status == "delivered"

    deliver(client, fixture_payload("meta/messenger_read.json"))
    message.refresh_from_db()
    assert message.status == "read"


def test_a_forged_signature_is_refused_and_nothing_is_stored(client, meta):
    body = json.dumps(fixture_payload("meta/messenger_text.json")).encode()

    response = deliver(client, body, signature=meta_signature(body, secret="not-ours"))

    assert response.status_code == 403
    assert not Message.objects.exists()
    assert SecurityEvent.objects.get().kind == "bad_signature"


def test_a_changed_byte_in_the_body_is_refused(client, meta):
    body = json.dumps(fixture_payload("meta/messenger_text.json")).encode()
    signature = meta_signature(body)

    response = deliver(client, body.replace(b"phone", b"PHONE"), signature=signature)

    assert response.status_code == 403
    assert not Message.objects.exists()


def test_a_missing_signature_is_refused(client, meta):
    response = client.post(WEBHOOK, fixture_payload("meta/messenger_text.json"),
                           content_type="application/json")

    assert response.status_code == 403
    assert not Message.objects.exists()


def test_malformed_json_is_refused_with_400(client, meta):
    response = deliver(client, b'{"object": "page", "entry": [')

    assert response.status_code == 400
    assert SecurityEvent.objects.get().kind == "malformed_payload"


def test_a_payload_that_is_not_a_meta_delivery_is_refused_with_400(client, meta):
    response = deliver(client, {"object": "page", "entry": "nope"})

    assert response.status_code == 400
    assert not Message.objects.exists()


def test_an_oversized_body_is_refused_with_413(client, meta):
    response = deliver(client, {"object": "page", "entry": [], "pad": "x" * 1_100_000})

    assert response.status_code == 413
    assert SecurityEvent.objects.get().kind == "oversized_body"


def test_a_message_for_a_page_that_is_not_ours_is_ignored_with_200(client, meta, settings):
    settings.META_PAGE_IDS = ["5559999"]

    response = deliver(client, fixture_payload("meta/messenger_text.json"))

    assert response.status_code == 200
    assert not Message.objects.exists()
    assert SecurityEvent.objects.get().kind == "unknown_destination"


def test_without_meta_credentials_the_webhook_says_it_is_off(client, settings):
    settings.META_APP_SECRET = ""

    response = client.post(WEBHOOK, {}, content_type="application/json")

    assert response.status_code == 503


def test_a_delivery_receipt_without_mids_applies_up_to_its_watermark(client, meta, reply):
    deliver(client, fixture_payload("meta/messenger_text.json"))
    message = reply("m_messenger_text_1", "m_reply_1")
    receipt = fixture_payload("meta/messenger_delivery.json")
    event = receipt["entry"][0]["messaging"][0]
    del event["delivery"]["mids"]
    event["delivery"]["watermark"] = 4102444800000

    response = deliver(client, receipt)

    assert response.status_code == 200
    message.refresh_from_db()
    assert message.status == "delivered"
