"""Settings for benchmarks: the hub's own, plus a bare view to compare intake against."""

from __future__ import annotations

from contact_hub.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
