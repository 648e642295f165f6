from __future__ import annotations

import pytest

from contact_hub.conversations.models import DeliveryStatus, Message
from contact_hub.conversations.sending import MemoryBackend, TransportError
from contact_hub.conversations.services import (
    MessageRefused,
    message_send,
    message_status_advance,
)
from contact_hub.conversations.tasks import message_deliver
from contact_hub.followups.models import FollowUp
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


def test_a_crash_mid_send_marks_the_text_unknown_instead_of_sending_it_twice(
        conversation, coordinator):
    message = message_send(conversation=conversation, body="hello", actor=coordinator)
    followup = FollowUp.objects.get(task_name="followups.message_deliver")
    # The first worker claimed the text and died while the provider call was in flight.
    Message.objects.filter(pk=message.pk).update(status=DeliveryStatus.SENDING)

    message_deliver(followup.pk)

    message.refresh_from_db()
    assert message.status == "unknown"
    assert MemoryBackend.sent == []


def test_a_temporary_provider_failure_leaves_the_text_queued_for_a_retry(
        conversation, coordinator, monkeypatch):
    message = message_send(conversation=conversation, body="hello", actor=coordinator)
    followup = FollowUp.objects.get(task_name="followups.message_deliver")

    def unavailable(self, text):
        raise TransportError("503 from provider", permanent=False)

    monkeypatch.setattr(MemoryBackend, "send", unavailable)
    message_deliver(followup.pk)

    message.refresh_from_db()
    followup.refresh_from_db()
    assert message.status == "queued"
    assert followup.done_at is None


def test_a_permanent_provider_failure_marks_the_text_failed(conversation, coordinator,
                                                            monkeypatch):
    message = message_send(conversation=conversation, body="hello", actor=coordinator)
    followup = FollowUp.objects.get(task_name="followups.message_deliver")

    def refused(self, text):
        raise TransportError("21610 unsubscribed", permanent=True)

    monkeypatch.setattr(MemoryBackend, "send", refused)
    message_deliver(followup.pk)

    message.refresh_from_db()
    assert message.status == "failed"
    assert message.error_code == "21610 unsubscribed"


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
