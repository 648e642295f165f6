"""Sending texts through Twilio's real SDK, with only its HTTP layer replaced."""

from __future__ import annotations

import pytest

from contact_hub.conversations.models import Message
from contact_hub.conversations.services import MessageRefused, conversation_open, message_send
from tests.factories import received_message

pytestmark = pytest.mark.django_db
HUB_NUMBER = "+447700900000"


@pytest.fixture
def sms_via_twilio(settings, twilio):
    settings.HUB_TEXT_BACKEND = ""
    settings.TWILIO_SMS_NUMBERS = [HUB_NUMBER]
    return twilio


@pytest.fixture
def conversation():
    return received_message(channel="sms", sender="+447700900511").conversation


def send(conversation, coordinator, capture, body="Is now a good time to talk?"):
    with capture(execute=True):
        return message_send(conversation=conversation, body=body, actor=coordinator)


def test_the_sdk_posts_the_text_with_a_status_callback(
        sms_via_twilio, conversation, coordinator, django_capture_on_commit_callbacks):
    message = send(conversation, coordinator, django_capture_on_commit_callbacks)

    request = sms_via_twilio.requests[0]
    assert request.method == "POST"
    assert request.url.endswith("/Accounts/AC00000000000000000000000000000000/Messages.json")
    assert request.data == {"To": "+447700900511", "From": HUB_NUMBER,
                            "Body": "Is now a good time to talk?",
                            "StatusCallback": "https://hub.example.police.uk/sms/twilio/status/"}
    message.refresh_from_db()
    assert (message.provider, message.status) == ("twilio", "sent")
    assert message.provider_message_id == "SM" + "1".zfill(32)


def test_a_permanent_twilio_error_fails_the_text_without_retrying(
        sms_via_twilio, conversation, coordinator, django_capture_on_commit_callbacks):
    sms_via_twilio.replies.append((400, {"code": 21211, "message": "Invalid 'To' Phone Number",
                                         "status": 400}))

    message = send(conversation, coordinator, django_capture_on_commit_callbacks)

    message.refresh_from_db()
    assert (message.status, message.error_code) == ("failed", "twilio 21211")
    assert len(sms_via_twilio.requests) == 1


def test_a_twilio_outage_leaves_the_text_queued_for_the_sweeper(
        sms_via_twilio, conversation, coordinator, django_capture_on_commit_callbacks):
    sms_via_twilio.replies.append((503, {"code": 20500, "message": "Service unavailable",
                                         "status": 503}))

    message = send(conversation, coordinator, django_capture_on_commit_callbacks)

    message.refresh_from_db()
    assert message.status == "queued"


def test_an_opted_out_number_is_refused_before_anything_is_sent(
        sms_via_twilio, conversation, coordinator):
    from django.utils import timezone

    type(conversation.identity).objects.filter(pk=conversation.identity_id).update(
        opted_out_at=timezone.now())
    conversation.identity.refresh_from_db()

    with pytest.raises(MessageRefused, match="opted out"):
        message_send(conversation=conversation, body="hello", actor=coordinator)

    assert sms_via_twilio.requests == []
    assert not Message.objects.filter(direction="out").exists()


def test_without_twilio_sms_set_up_texts_are_refused_with_that_reason(
        settings, conversation, coordinator):
    settings.HUB_TEXT_BACKEND = ""
    settings.TWILIO_ACCOUNT_SID = ""

    with pytest.raises(MessageRefused, match="SMS is not set up on this hub"):
        message_send(conversation=conversation, body="hello", actor=coordinator)


def test_a_system_text_opens_an_sms_conversation_for_an_identity(
        sms_via_twilio, django_capture_on_commit_callbacks):
    identity = received_message(channel="whatsapp", sender="+447700900512").conversation.identity

    with django_capture_on_commit_callbacks(execute=True):
        message_send(conversation=conversation_open(identity=identity, channel="sms"),
                     body="You are in the queue. We will call you soon.", actor=None)

    assert sms_via_twilio.requests[0].data["To"] == "+447700900512"
