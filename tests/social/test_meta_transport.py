"""Replies through the Graph API over real HTTP to a local stand-in, and WhatsApp's window."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from contact_hub.conversations.models import Message, MessageTemplate
from contact_hub.conversations.services import MessageRefused, message_send
from tests.factories import received_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def real_providers(settings, meta):
    settings.HUB_TEXT_BACKEND = ""
    return meta


def send(conversation, actor, capture, **kwargs):
    with capture(execute=True):
        return message_send(conversation=conversation, actor=actor, **kwargs)


def test_a_whatsapp_reply_posts_to_the_cloud_api(real_providers, coordinator,
                                                  django_capture_on_commit_callbacks):
    real_providers.reply(200, {"messaging_product": "whatsapp",
                               "contacts": [{"input": "447700900611", "wa_id": "447700900611"}],
                               "messages": [{"id": "wamid.sent1"}]})
    conversation = received_message(channel="whatsapp", sender="+447700900611").conversation

    message = send(conversation, coordinator, django_capture_on_commit_callbacks,
                   body="Are you safe to talk?")

    request = real_providers.requests[0]
    assert request.path == "/v21.0/5550003/messages"
    assert request.headers["Authorization"] == "Bearer wa-token"
    assert request.json() == {"messaging_product": "whatsapp", "recipient_type": "individual",
                              "to": "447700900611", "type": "text",
                              "text": {"body": "Are you safe to talk?", "preview_url": False}}
    message.refresh_from_db()
    assert (message.status, message.provider_message_id) == ("sent", "wamid.sent1")


def test_a_messenger_reply_uses_the_send_api(real_providers, coordinator,
                                             django_capture_on_commit_callbacks):
    real_providers.reply(200, {"recipient_id": "7100000000000009", "message_id": "m_sent1"})
    conversation = received_message(channel="messenger", sender="7100000000000009").conversation

    message = send(conversation, coordinator, django_capture_on_commit_callbacks, body="Hello")

    request = real_providers.requests[0]
    assert request.path == "/v21.0/me/messages"
    assert request.json() == {"recipient": {"id": "7100000000000009"},
                              "messaging_type": "RESPONSE", "message": {"text": "Hello"}}
    message.refresh_from_db()
    assert message.provider_message_id == "m_sent1"


def test_a_graph_api_error_fails_the_reply(real_providers, coordinator,
                                           django_capture_on_commit_callbacks):
    real_providers.reply(400, {"error": {"message": "(#100) Invalid parameter", "code": 100}})
    conversation = received_message(channel="messenger", sender="7100000000000010").conversation

    message = send(conversation, coordinator, django_capture_on_commit_callbacks, body="Hello")

    message.refresh_from_db()
    assert (message.status, message.error_code) == ("failed", "messenger 400")


def _old_conversation(channel: str, sender: str):
    conversation = received_message(channel=channel, sender=sender).conversation
    Message.objects.filter(conversation=conversation).update(
        created_at=timezone.now() - timedelta(hours=25))
    return conversation


def test_outside_24_hours_a_free_form_whatsapp_reply_is_refused_with_the_reason(
        real_providers, coordinator):
    conversation = _old_conversation("whatsapp", "+447700900612")

    with pytest.raises(MessageRefused, match="approved template"):
        message_send(conversation=conversation, body="Are you ok?", actor=coordinator)

    assert real_providers.requests == []
    assert not Message.objects.filter(direction="out").exists()


def test_outside_24_hours_an_approved_template_is_sent(real_providers, coordinator,
                                                        django_capture_on_commit_callbacks):
    real_providers.reply(200, {"messages": [{"id": "wamid.template1"}]})
    conversation = _old_conversation("whatsapp", "+447700900613")
    template = MessageTemplate.objects.create(
        name="good time", body="Hello, is now a good time to talk? Reply YES or NO.",
        whatsapp_name="good_time_check")

    send(conversation, coordinator, django_capture_on_commit_callbacks, template=template)

    assert real_providers.requests[0].json()["template"] == {
        "name": "good_time_check", "language": {"code": "en_GB"}}


def test_outside_24_hours_messenger_replies_are_refused(real_providers, coordinator):
    conversation = _old_conversation("messenger", "7100000000000011")

    with pytest.raises(MessageRefused, match="within 24 hours"):
        message_send(conversation=conversation, body="Hello", actor=coordinator)


@pytest.mark.parametrize("number_id", [
    "../me", "5550003/../../me", "5550003?fields=name", "", "\uff15\uff15\uff15", "5" * 21])
def test_a_whatsapp_number_id_that_is_not_metas_sends_nothing(
        real_providers, settings, coordinator, number_id, django_capture_on_commit_callbacks):
    settings.WHATSAPP_PHONE_NUMBER_IDS = [number_id]
    conversation = received_message(channel="whatsapp", sender="+447700900614").conversation

    message = send(conversation, coordinator, django_capture_on_commit_callbacks, body="Hello")

    assert real_providers.requests == []
    message.refresh_from_db()
    assert (message.status, message.error_code) == ("failed", "whatsapp number id malformed")


@pytest.mark.parametrize("recipient", ["../5550001/feed", "7100000000000012?x=1", "7100-0012"])
def test_a_messenger_recipient_that_is_not_a_meta_id_sends_nothing(
        real_providers, coordinator, recipient, django_capture_on_commit_callbacks):
    conversation = received_message(channel="messenger", sender=recipient).conversation

    message = send(conversation, coordinator, django_capture_on_commit_callbacks, body="Hello")

    assert real_providers.requests == []
    message.refresh_from_db()
    assert (message.status, message.error_code) == ("failed", "messenger recipient malformed")
