"""Sending a reply and recording its delivery status."""

from __future__ import annotations

import pytest

from contact_hub.conversations.models import Message
from contact_hub.conversations.sending import MemoryBackend
from contact_hub.conversations.services import (
    MessageRefused,
    message_send,
    message_status_advance,
)
from tests.factories import received_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation():
    return received_message(channel="whatsapp", sender="+447700900470").conversation


def test_a_reply_is_handed_to_the_backend_on_the_same_channel(
        conversation, coordinator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = message_send(conversation=conversation, body=" Are you safe to talk? ",
                               actor=coordinator)

    sent = MemoryBackend.sent[0]
    assert (sent.channel, sent.to, sent.body) == ("whatsapp", "+447700900470",
                                                  "Are you safe to talk?")
    message.refresh_from_db()
    assert message.status == "sent"
    assert message.provider == "memory"
    assert message.sent_by == coordinator


@pytest.mark.parametrize("body, reason", [("   ", "empty"), ("x" * 1601, "longer than")])
def test_empty_or_overlong_replies_are_refused(conversation, coordinator, body, reason):
    with pytest.raises(MessageRefused, match=reason):
        message_send(conversation=conversation, body=body, actor=coordinator)

    assert not Message.objects.filter(direction="out").exists()


def test_delivery_status_only_moves_forward(conversation, coordinator):
    message = message_send(conversation=conversation, body="hello", actor=coordinator)

    assert message_status_advance(message.pk, "sent")
    assert message_status_advance(message.pk, "delivered")
    assert not message_status_advance(message.pk, "sent")
    assert not message_status_advance(message.pk, "delivered")
    message.refresh_from_db()
    assert message.status == "delivered"


def test_a_failure_is_final(conversation, coordinator):
    message = message_send(conversation=conversation, body="hello", actor=coordinator)
    message_status_advance(message.pk, "failed", error_code="30003")

    assert not message_status_advance(message.pk, "delivered")
    message.refresh_from_db()
    assert (message.status, message.error_code) == ("failed", "30003")
