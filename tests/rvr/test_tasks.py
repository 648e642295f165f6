"""The periodic sweep expires links nobody joined, on the beat schedule."""

from __future__ import annotations

import pytest

from contact_hub.celery import app
from rvr.models import VideoSession
from rvr.tasks import rvr_sweep

pytestmark = pytest.mark.django_db


def test_the_sweep_is_on_the_beat_schedule():
    assert app.conf.beat_schedule["rvr-sweep"]["task"] == "rvr.sweep"


def test_the_sweep_expires_stale_links(sent):
    session, _ = sent
    VideoSession.objects.filter(pk=session.pk).update(expires_at=session.link_sent_at)

    assert rvr_sweep() == 1
    session.refresh_from_db()
    assert session.status == VideoSession.Status.EXPIRED
