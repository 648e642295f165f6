from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync

from contact_hub.conversations.intake import MediaRef, message_intake
from contact_hub.conversations.models import Conversation, Message
from contact_hub.followups.models import FollowUp
from contact_hub.live import HUB_GROUP
from contact_hub.people.identifiers import InvalidIdentifier
from contact_hub.people.models import Identity, Person
from tests.concurrency import all_at_once
from tests.factories import inbound

pytestmark = pytest.mark.django_db


def test_a_text_is_stored_and_linked_to_a_person_by_e164_number():
    result = message_intake(inbound(sender="07700 900461", text="Can someone call me?"))

    assert result.created
    identity = Identity.objects.get()
    assert (identity.kind, identity.value) == ("phone", "+447700900461")
    assert result.message.conversation.person == identity.person
    assert result.message.text == "Can someone call me?"
    assert result.message.status == "received"


def test_the_same_number_on_sms_and_whatsapp_is_one_person_with_two_conversations():
    message_intake(inbound(channel="sms", sender="07700900462"))
    message_intake(inbound(channel="whatsapp", sender="+447700900462"))

    assert Person.objects.count() == 1
    assert set(Conversation.objects.values_list("channel", flat=True)) == {"sms", "whatsapp"}


def test_platform_ids_are_separate_identities_from_numbers():
    message_intake(inbound(channel="messenger", sender="2718281828459045"))
    message_intake(inbound(channel="sms", sender="07700900463"))

    assert Person.objects.count() == 2
    assert Identity.objects.get(kind="messenger").value == "2718281828459045"


def test_a_redelivered_provider_id_is_stored_once():
    first = message_intake(inbound(provider_message_id="SMdup1", text="help"))
    again = message_intake(inbound(provider_message_id="SMdup1", text="help"))

    assert not again.created
    assert again.message.pk == first.message.pk
    assert Message.objects.count() == 1
    assert FollowUp.objects.count() == 1


def test_the_same_id_from_two_providers_is_two_messages():
    message_intake(inbound(provider="twilio", provider_message_id="m1"))
    message_intake(inbound(channel="whatsapp", provider="meta", provider_message_id="m1"))

    assert Message.objects.count() == 2


def test_an_impossible_number_is_refused_and_nothing_is_stored():
    with pytest.raises(InvalidIdentifier):
        message_intake(inbound(sender="12"))

    assert not Message.objects.exists()
    assert not Person.objects.exists()


def test_follow_up_work_runs_after_commit_and_tells_the_dashboard(
        in_memory_layers, django_capture_on_commit_callbacks):
    layer = in_memory_layers
    listener = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(HUB_GROUP, listener)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = message_intake(inbound())
        assert FollowUp.objects.get().done_at is None

    assert callbacks  # the follow-up was sent after commit, and its event after its own
    assert FollowUp.objects.get().done_at is not None
    # First the row intake queued, then the follow-up's update of it, then its notice.
    kinds = [async_to_sync(layer.receive)(listener)["kind"] for _ in range(2)]
    assert kinds == ["queue.rows", "queue.rows"]
    event = async_to_sync(layer.receive)(listener)
    assert event["kind"] == "messages.received"
    assert event["message_ids"] == [result.message.pk]
    assert FollowUp.objects.get().done_at is not None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_five_concurrent_deliveries_of_one_message_store_it_once():
    results = all_at_once([lambda: message_intake(inbound(
        sender="07700900464", provider_message_id="SMconcurrent"))] * 5)

    assert len(results) == 5
    assert sum(result.created for result in results) == 1
    assert Message.objects.count() == 1
    assert Person.objects.count() == 1
    assert FollowUp.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_first_contacts_from_one_number_make_one_person():
    all_at_once([lambda n=n: message_intake(inbound(
        sender="07700900465", provider_message_id=f"SMfirst{n}")) for n in range(4)])

    assert Message.objects.count() == 4
    assert Person.objects.count() == 1
    assert Identity.objects.count() == 1


def _stored_row(message: Message) -> dict:
    row = Message.objects.filter(pk=message.pk).values().get()
    return {k: v for k, v in row.items()
            if k not in ("id", "provider_message_id", "created_at", "status_changed_at")}


@pytest.mark.postgres
def test_a_known_sender_is_stored_in_one_round_trip_with_the_same_rows_as_a_first_contact(
        django_assert_num_queries):
    media = (MediaRef(url="https://api.twilio.com/m/1", content_type="image/jpeg"),)
    first = message_intake(inbound(sender="07700900466", text="photo", media=media)).message

    with django_assert_num_queries(1):
        again = message_intake(inbound(sender="07700900466", text="photo", media=media))

    assert again.created
    assert _stored_row(again.message) == _stored_row(first)
    assert again.message.created_at == Message.objects.get(pk=again.message.pk).created_at
    follow_ups = FollowUp.objects.order_by("pk")
    assert [f.payload for f in follow_ups] == [{"message_id": first.pk},
                                               {"message_id": again.message.pk}]
    assert {(f.task_name, f.attempts, f.done_at, f.claimed_until) for f in follow_ups} == {
        ("followups.messages_received", 0, None, None)}


@pytest.mark.postgres
def test_a_known_sender_result_carries_their_conversation_and_identity():
    first = message_intake(inbound(sender="07700900467")).message
    Identity.objects.update(opted_out_at=first.created_at)

    again = message_intake(inbound(sender="07700900467")).message

    assert again.conversation.pk == first.conversation.pk
    assert again.conversation.person_id == first.conversation.person_id
    assert again.conversation.identity.value == "+447700900467"
    assert again.conversation.identity.opted_out_at == first.created_at
    assert again.person_id == first.person_id


@pytest.mark.postgres
def test_a_redelivery_from_a_known_sender_is_stored_once():
    message_intake(inbound(sender="07700900468", provider_message_id="SMknown0"))
    first = message_intake(inbound(sender="07700900468", provider_message_id="SMknown1"))

    again = message_intake(inbound(sender="07700900468", provider_message_id="SMknown1"))

    assert not again.created
    assert again.message.pk == first.message.pk
    assert Message.objects.count() == 2
    assert FollowUp.objects.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_from_a_known_sender_store_the_message_once():
    message_intake(inbound(sender="07700900469", provider_message_id="SMbefore"))
    results = all_at_once([lambda: message_intake(inbound(
        sender="07700900469", provider_message_id="SMrace"))] * 5)

    assert sum(result.created for result in results) == 1
    assert len({result.message.pk for result in results}) == 1
    assert Message.objects.count() == 2
    assert FollowUp.objects.count() == 2


@pytest.mark.postgres
def test_a_first_contact_opens_person_identity_and_conversation_without_looking_twice(
        django_assert_num_queries):
    # the one-statement attempt, then: savepoint, identity lookup, savepoint, person, identity,
    # release, conversation, message, its place in the triage queue, follow-up row, release
    with django_assert_num_queries(12):
        result = message_intake(inbound(sender="07700900470", text="first time"))

    conversation = result.message.conversation
    assert (conversation.channel, conversation.identity.value) == ("sms", "+447700900470")
    assert conversation.person_id == conversation.identity.person_id
