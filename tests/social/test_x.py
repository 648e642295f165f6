"""X direct messages: the CRC challenge, signed deliveries, and replies over real HTTP."""

from __future__ import annotations

import json

import pytest

from contact_hub.conversations.models import Message
from contact_hub.conversations.services import message_send
from contact_hub.staff.models import SecurityEvent
from tests.factories import received_message
from tests.social.conftest import fixture_payload, x_signature

pytestmark = pytest.mark.django_db
WEBHOOK = "/social/x/webhook/"


def deliver(client, payload: dict | bytes, *, signature: str | None = None):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return client.post(WEBHOOK, body, content_type="application/json",
                       HTTP_X_TWITTER_WEBHOOKS_SIGNATURE=signature or x_signature(body))


def test_the_crc_challenge_is_answered_with_the_signed_token(client, x_api):
    response = client.get(WEBHOOK, {"crc_token": "challenge-123"})

    assert response.status_code == 200
    assert response.json() == {"response_token": x_signature(b"challenge-123")}


def test_a_crc_without_a_token_is_refused(client, x_api):
    assert client.get(WEBHOOK).status_code == 400


def test_a_direct_message_is_taken_in(client, x_api):
    response = deliver(client, fixture_payload("x/dm_text.json"))

    assert response.status_code == 200
    message = Message.objects.get()
    assert (message.channel, message.provider_message_id) == ("x", "1463371316254793735")
    assert message.conversation.identity.value == "1618033988749894"
    assert message.text == "loud party every night at number 12"


def test_a_redelivered_dm_is_stored_once(client, x_api):
    deliver(client, fixture_payload("x/dm_text.json"))
    deliver(client, fixture_payload("x/dm_text.json"))

    assert Message.objects.count() == 1


def test_our_own_dms_are_not_taken_in(client, x_api):
    deliver(client, fixture_payload("x/dm_echo.json"))

    assert not Message.objects.exists()


def test_other_account_activity_is_answered_200_and_recorded(client, x_api):
    response = deliver(client, fixture_payload("x/favorite.json"))

    assert response.status_code == 200
    assert not Message.objects.exists()


def test_a_forged_signature_is_refused(client, x_api):
    body = json.dumps(fixture_payload("x/dm_text.json")).encode()

    response = deliver(client, body, signature=x_signature(body, secret="forged"))

    assert response.status_code == 403
    assert not Message.objects.exists()
    assert SecurityEvent.objects.get().kind == "bad_signature"


def test_a_delivery_for_another_account_is_ignored(client, x_api, settings):
    settings.X_USER_ID = "1234"

    response = deliver(client, fixture_payload("x/dm_text.json"))

    assert response.status_code == 200
    assert not Message.objects.exists()
    assert SecurityEvent.objects.get().kind == "unknown_destination"


def test_malformed_json_is_refused(client, x_api):
    from contact_hub.conversations.models import Message
    from contact_hub.staff.models import SecurityEvent

    assert deliver(client, b"not json").status_code == 400
    assert not Message.objects.exists()
    assert SecurityEvent.objects.get().kind == "malformed_payload"


def test_a_reply_is_sent_through_the_dm_api(client, x_api, settings, coordinator,
                                            django_capture_on_commit_callbacks):
    settings.HUB_TEXT_BACKEND = ""
    x_api.reply(201, {"data": {"dm_conversation_id": "1-2", "dm_event_id": "1580000000000000"}})
    conversation = received_message(channel="x", sender="1618033988749894").conversation

    with django_capture_on_commit_callbacks(execute=True):
        message = message_send(conversation=conversation, body="Thanks for getting in touch.",
                               actor=coordinator)

    request = x_api.requests[0]
    assert request.path == "/2/dm_conversations/with/1618033988749894/messages"
    assert request.headers["Authorization"] == "Bearer x-user-token"
    assert request.json() == {"text": "Thanks for getting in touch."}
    message.refresh_from_db()
    assert message.provider_message_id == "1580000000000000"


@pytest.mark.parametrize("recipient", [
    "../../tweets?a=", "1618033988749894/../../../2/tweets", "1618033988749894?x=1",
    "%2e%2e%2f2%2ftweets", "\uff11\uff16\uff11\uff18", "1618033988749894\n", "1" * 21,
])
def test_a_recipient_that_is_not_an_x_id_sends_nothing_anywhere(
        x_api, settings, coordinator, recipient, django_capture_on_commit_callbacks):
    settings.HUB_TEXT_BACKEND = ""
    conversation = received_message(channel="x", sender=recipient).conversation

    with django_capture_on_commit_callbacks(execute=True):
        message = message_send(conversation=conversation, body="Thanks for getting in touch.",
                               actor=coordinator)

    assert x_api.requests == []
    message.refresh_from_db()
    assert (message.status, message.error_code) == ("failed", "x recipient id malformed")
