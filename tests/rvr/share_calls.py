"""A call whose victim joined from a real (test) browser client: her cookie is what admits her
posts of her location and files."""

from __future__ import annotations

import pytest
from django.test import Client

from rvr.calls import video_check_record, video_session_accept
from rvr.connection_check import CheckResult
from rvr.models import VideoSession
from rvr.uploads import upload_rate


def victim_joined(token: str) -> Client:
    """Her browser, after pressing Join on her link (it holds the binding cookie)."""
    client = Client()
    assert client.post(f"/v/{token}/join/").status_code == 200
    return client


def waiting(session: VideoSession) -> VideoSession:
    return video_check_record(session_id=session.pk,
                              result=CheckResult(30.0, 0.0, 800.0, "good"))


@pytest.fixture
def her_browser(sent) -> Client:
    return victim_joined(sent[1])


@pytest.fixture
def her_call(sent, her_browser, officer) -> VideoSession:
    """Her call, taken by `officer`, her browser (`victim`) in it."""
    upload_rate.clear()  # the rate is kept per process, across tests
    return video_session_accept(session=waiting(sent[0]), officer=officer)
