"""Work that follows a message once it is committed: the received-message hooks and the live
event, and handing a queued text to the provider at most once."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contact_hub.conversations.models import DeliveryStatus, Message
from contact_hub.conversations.sending import MemoryBackend
from contact_hub.conversations.services import message_send
from contact_hub.conversations.tasks import message_deliver, messages_received
from contact_hub.followups.models import FollowUp
from contact_hub.live import HUB_GROUP
from contact_hub.triage.models import ContactTriage
from tests.factories import received_message

pytestmark = pytest.mark.django_db
HOOK = "tests.conversations.test_tasks.batch_record"
batches: list[list[tuple[int, bool]]] = []


def batch_record(message_ids: list[int]) -> None:
    """A received-message hook that notes each batch it is handed, and whether triage had
    already seen each message."""
    batches.append([(pk, ContactTriage.objects.filter(message_id=pk).exists())
                    for pk in message_ids])


@pytest.fixture
def hooks(settings):
    settings.HUB_MESSAGES_RECEIVED_HOOKS = [*settings.HUB_MESSAGES_RECEIVED_HOOKS, HOOK]
    batches.clear()
    yield
    batches.clear()


@pytest.fixture
def live_events(in_memory_layers):
    """Every notification sent to the hub's live group, on an in-memory channel layer (the
    dashboard's pushed rows are tested with triage: tests/triage/test_live_rows.py)."""
    layer = in_memory_layers
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(HUB_GROUP, channel)

    def next_event() -> dict:
        event = async_to_sync(layer.receive)(channel)
        return next_event() if event["type"] == "live.rows" else event

    return next_event


@pytest.fixture
def conversation():
    return received_message(channel="whatsapp", sender="+447700900470").conversation


@pytest.fixture
def sms_via_twilio(settings, twilio):
    """Texts go out through the real Twilio backend; only the SDK's HTTP layer is faked."""
    settings.HUB_TEXT_BACKEND = ""
    settings.TWILIO_SMS_NUMBERS = ["+447700900000"]
    return twilio


@pytest.fixture
def sms_conversation():
    return received_message(channel="sms", sender="+447700900471").conversation


def test_one_run_hands_every_waiting_message_to_each_hook_after_triage_and_tells_pages_once(
        hooks, live_events, django_capture_on_commit_callbacks):
    messages = [received_message(sender=f"0770090049{n}", text=f"busy moment {n}")
                for n in range(3)]
    first = FollowUp.objects.filter(task_name=messages_received.name).order_by("pk").first()

    with django_capture_on_commit_callbacks(execute=True):
        messages_received(first.pk)

    assert batches == [[(m.pk, True) for m in messages]]
    assert FollowUp.objects.filter(task_name=messages_received.name,
                                   done_at__isnull=True).count() == 0
    event = live_events()
    assert (event["kind"], event["message_ids"], event["person_ids"]) == (
        "messages.received", [m.pk for m in messages],
        sorted(m.conversation.person_id for m in messages))


def test_the_hooks_see_only_messages_that_came_in(hooks, conversation, coordinator):
    reply = message_send(conversation=conversation, body="Are you safe to talk?",
                         actor=coordinator)
    inbound = conversation.messages.get(direction=Message.Direction.INBOUND)

    messages_received.work([{"message_id": inbound.pk}, {"message_id": reply.pk}])
    messages_received.work([{"message_id": reply.pk}])

    assert batches == [[(inbound.pk, True)]]


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
        sms_via_twilio, sms_conversation, coordinator):
    sms_via_twilio.replies.append((503, {"code": 20500, "message": "Service unavailable",
                                         "status": 503}))
    message = message_send(conversation=sms_conversation, body="hello", actor=coordinator)
    followup = FollowUp.objects.get(task_name="followups.message_deliver")

    message_deliver(followup.pk)

    message.refresh_from_db()
    followup.refresh_from_db()
    assert message.status == "queued"
    assert followup.done_at is None
    assert len(sms_via_twilio.requests) == 1


def test_a_permanent_provider_failure_marks_the_text_failed(sms_via_twilio, sms_conversation,
                                                            coordinator):
    sms_via_twilio.replies.append((400, {"code": 21610, "message": "Unsubscribed recipient",
                                         "status": 400}))
    message = message_send(conversation=sms_conversation, body="hello", actor=coordinator)
    followup = FollowUp.objects.get(task_name="followups.message_deliver")

    message_deliver(followup.pk)

    message.refresh_from_db()
    followup.refresh_from_db()
    assert message.status == "failed"
    assert message.error_code == "twilio 21610"
    assert followup.done_at is not None  # not retried: no retry can help


def test_a_run_of_many_messages_costs_the_queries_of_one(django_assert_max_num_queries):
    """The worker's cost is per run, not per message, so a busy moment's batch comes cheap."""
    received_message(sender="+447700900480", text="he hit me last night")
    with CaptureQueriesContext(connection) as one:
        messages_received(_first_waiting().pk)
    texts = ["he hit me last night", "is anyone there", "he has a knife and says he will kill me",
             "my car was broken into", "I can't talk he is here"]
    many = [received_message(sender=f"+44770090048{n % 3}", text=text)
            for n, text in enumerate(texts * 2)]

    with django_assert_max_num_queries(len(one.captured_queries)):
        messages_received(_first_waiting().pk)

    assert ContactTriage.objects.filter(message__in=many).count() == len(many)
    assert not FollowUp.objects.filter(done_at__isnull=True).exists()


def _first_waiting() -> FollowUp:
    return FollowUp.objects.filter(task_name=messages_received.name,
                                   done_at__isnull=True).earliest("pk")
