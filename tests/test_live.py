"""The one exit for live events: after commit by construction, kinds from one enumeration."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from contact_hub.live import HUB_GROUP, LiveEvent, live_event_send

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def listener(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(HUB_GROUP, channel)
    return layer, channel


def _waiting(layer, channel) -> int:
    return layer.channels.get(channel).qsize() if channel in layer.channels else 0


def test_an_event_sent_in_a_transaction_waits_for_the_commit(listener):
    layer, channel = listener
    with transaction.atomic():
        live_event_send(LiveEvent.QUEUE_CHANGED, person_id=7)
        assert _waiting(layer, channel) == 0

    event = async_to_sync(layer.receive)(channel)
    assert event == {"type": "live.event", "kind": "queue.changed", "person_id": 7}


def test_an_event_of_a_rolled_back_transaction_is_never_sent(listener):
    layer, channel = listener
    with pytest.raises(RuntimeError), transaction.atomic():
        live_event_send(LiveEvent.QUEUE_CHANGED, person_id=7)
        raise RuntimeError("rolled back")

    assert _waiting(layer, channel) == 0


def test_a_kind_that_is_not_named_is_refused():
    with pytest.raises(ValueError):
        live_event_send("queue.changd", person_id=7)
