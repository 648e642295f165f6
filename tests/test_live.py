"""The one exit for live events: after commit by construction, kinds from one enumeration."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import async_to_sync
from django.db import transaction

from contact_hub import live
from contact_hub.live import HUB_GROUP, LiveEvent, live_event_send

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def listener(in_memory_layers):
    layer = in_memory_layers
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
    assert event == {"type": "live.event", "kind": "queue.changed", "person_id": 7, "group": "hub"}


def test_an_event_of_a_rolled_back_transaction_is_never_sent(listener):
    layer, channel = listener
    with pytest.raises(RuntimeError), transaction.atomic():
        live_event_send(LiveEvent.QUEUE_CHANGED, person_id=7)
        raise RuntimeError("rolled back")

    assert _waiting(layer, channel) == 0


def test_a_kind_that_is_not_named_is_refused():
    with pytest.raises(ValueError):
        live_event_send("queue.changd", person_id=7)


class SlowLayer:
    """A layer whose sends wait until released, recording what each carried."""

    def __init__(self) -> None:
        self.release, self.sent = asyncio.Event(), []

    async def group_send(self, group, message):
        self.sent.append(([row["item"] for row in message["rows"]], message.get("waiting")))
        await self.release.wait()


def _hand_over(layer, *items: str, **rest) -> None:
    live._rows_gather(layer, HUB_GROUP, {"type": "live.rows", "kind": "queue.rows",
                                         "rows": [{"item": item} for item in items], **rest},
                      LiveEvent.QUEUE_ROWS)


async def test_rows_handed_over_while_a_send_is_under_way_go_together_in_the_next():
    """A busy server loop sends one event for many rows, not one each."""
    layer = SlowLayer()
    for item in ("message:1", "message:2", "message:3"):
        _hand_over(layer, item)
        await asyncio.sleep(0.01)
    assert [rows for rows, _ in layer.sent] == [["message:1"]]

    layer.release.set()
    await asyncio.sleep(live.ROWS_GAP_SECONDS + 0.01)

    assert [rows for rows, _ in layer.sent] == [["message:1"], ["message:2", "message:3"]]
    await asyncio.sleep(live.ROWS_GAP_SECONDS + 0.01)
    assert not live._rows_senders  # nothing left waiting or under way


class InstantLayer(SlowLayer):
    def __init__(self) -> None:
        super().__init__()
        self.release.set()


async def test_a_lone_row_goes_at_once_and_rows_close_behind_it_go_together_after_a_gap(
        monkeypatch):
    """A busy hub publishes to a group at most every ROWS_GAP_SECONDS from a process."""
    # Long enough that a loaded machine's slow turns of the loop stay well within it.
    monkeypatch.setattr(live, "ROWS_GAP_SECONDS", 0.3)
    layer = InstantLayer()
    _hand_over(layer, "message:1")
    await asyncio.sleep(0.001)
    assert [rows for rows, _ in layer.sent] == [["message:1"]]

    for item in ("message:2", "message:3"):
        _hand_over(layer, item)
        await asyncio.sleep(0.001)
    assert [rows for rows, _ in layer.sent] == [["message:1"]]  # within the gap: they wait

    await asyncio.sleep(live.ROWS_GAP_SECONDS + 0.01)
    assert [rows for rows, _ in layer.sent] == [["message:1"], ["message:2", "message:3"]]

    await asyncio.sleep(live.ROWS_GAP_SECONDS + 0.01)  # a quiet spell: the next goes at once
    _hand_over(layer, "message:4")
    await asyncio.sleep(0.001)
    assert [rows for rows, _ in layer.sent][-1] == ["message:4"]


async def test_rows_go_out_in_the_order_they_came_whatever_else_they_carry():
    """The worker's rows carry how many wait: an older count never lands after a newer."""
    layer = SlowLayer()
    _hand_over(layer, "message:1", waiting=5)
    await asyncio.sleep(0.01)
    _hand_over(layer, "message:2", waiting=5)
    _hand_over(layer, "message:3", waiting=6)
    _hand_over(layer, "message:4", waiting=6)

    layer.release.set()
    await asyncio.sleep(live.ROWS_GAP_SECONDS + 0.01)

    assert layer.sent == [(["message:1"], 5), (["message:2"], 5),
                          (["message:3", "message:4"], 6)]


async def test_a_backlog_goes_out_in_events_of_bounded_size():
    layer = SlowLayer()
    layer.release.set()
    _hand_over(layer, *[f"message:{n}" for n in range(live.ROWS_MOST * 2 + 1)])
    await asyncio.sleep(0.01)

    assert [len(rows) for rows, _ in layer.sent] == [live.ROWS_MOST, live.ROWS_MOST, 1]
