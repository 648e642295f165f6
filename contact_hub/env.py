"""Tiny helpers that read settings from the environment and remember which names were read.

The names are recorded so a test can check that deployment files (docker-compose.yml) only set
variables the code actually reads.
"""

from __future__ import annotations

import os

ENV_NAMES_READ: set[str] = set()


def env_str(name: str, default: str = "") -> str:
    ENV_NAMES_READ.add(name)
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = env_str(name, "")
    if not value:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = env_str(name, "")
    return int(value) if value else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = env_str(name, "")
    return [item.strip() for item in value.split(",") if item.strip()] if value else default


def live_layer_prefix(redis_url: str) -> str:
    """The live events' pub/sub prefix for a Redis URL: pub/sub channels span a server's every
    database, so each database's hub names its own: the database as redis-py reads it from the
    URL (its path, or ?db=). Not the host: the web and worker may name one server two ways."""
    from redis.connection import ConnectionPool

    return f"hub-live-{ConnectionPool.from_url(redis_url).connection_kwargs.get('db', 0)}."
