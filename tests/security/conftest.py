"""Fixtures the adversarial modules share with the tests of the code they attack."""

from __future__ import annotations

from tests.rvr.conftest import (  # noqa: F401 - fixtures
    assessment,
    in_call_session,
    incident,
    rvr_settings,
    sent,
    waiting,
)
from tests.rvr.share_calls import her_browser, her_call  # noqa: F401 - fixtures
