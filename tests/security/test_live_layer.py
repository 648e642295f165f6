"""The live layer carries the rows pages show (message text among them). Redis pub/sub spans
a server's every database, so a hub on another database of the same Redis must never hear
them, and nobody but a process's pages reads them."""

from __future__ import annotations

import asyncio

import pytest
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.conf import settings

from contact_hub.env import live_layer_prefix
from contact_hub.live import HUB_GROUP

pytestmark = pytest.mark.redis


def _layer_for(redis_url: str) -> RedisPubSubChannelLayer:
    return RedisPubSubChannelLayer(hosts=[redis_url], prefix=live_layer_prefix(redis_url))


async def _heard(layer: RedisPubSubChannelLayer, channel: str) -> dict | None:
    try:
        return await asyncio.wait_for(layer.receive(channel), 0.5)
    except TimeoutError:
        return None


async def test_a_hub_on_another_redis_database_never_hears_this_hubs_rows():
    ours_url = settings.REDIS_URL
    base, _, database = ours_url.rpartition("/")
    theirs_url = f"{base}/{(int(database or 0) + 1) % 16}"
    ours, theirs = _layer_for(ours_url), _layer_for(theirs_url)
    listening_here = await ours.new_channel()
    listening_there = await theirs.new_channel()
    await ours.group_add(HUB_GROUP, listening_here)
    await theirs.group_add(HUB_GROUP, listening_there)

    await ours.group_send(HUB_GROUP, {"type": "live.rows", "rows": [{"html": "her words"}]})

    assert await _heard(ours, listening_here) is not None  # it was sent
    assert await _heard(theirs, listening_there) is None
    for layer in (ours, theirs):
        await layer.flush()


def test_each_database_has_its_own_prefix():
    assert live_layer_prefix("redis://127.0.0.1:6379/3") != live_layer_prefix(
        "redis://127.0.0.1:6379/4")
    assert live_layer_prefix("redis://127.0.0.1:6379") == live_layer_prefix(
        "redis://127.0.0.1:6379/0")


def test_a_database_named_in_the_query_is_told_apart_too():
    assert live_layer_prefix("redis://redis:6379?db=1") != live_layer_prefix(
        "redis://redis:6379?db=2")
    assert live_layer_prefix("unix:///run/redis.sock?db=1") != live_layer_prefix(
        "unix:///run/redis.sock?db=2")
