"""SMS fixtures: Twilio's media hosts stood in for by a local HTTPS server (tests/media_host.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.media_host import MediaHost, twilio_media_host


@pytest.fixture
def media_host(settings, twilio, tmp_path, monkeypatch) -> Iterator[MediaHost]:
    with twilio_media_host(settings, monkeypatch, tmp_path) as host:
        yield host
