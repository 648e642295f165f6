"""Fixtures the adversarial modules share with the tests of the code they attack."""

from __future__ import annotations

from tests.rvr.conftest import assessment, incident, sent  # noqa: F401 - fixtures
