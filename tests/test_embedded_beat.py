from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from contact_hub.celery import app as celery_app
from contact_hub.conversations.tasks import messages_received
from contact_hub.embedded_beat import EmbeddedBeat
from contact_hub.followups.models import FollowUp
from contact_hub.followups.services import followup_queue
from tests.factories import received_message

pytestmark = pytest.mark.django_db


def test_the_embedded_scheduler_runs_the_beat_schedule_tasks():
    message = received_message()
    followup = followup_queue(messages_received, message_id=message.pk)
    FollowUp.objects.filter(pk=followup.pk).update(
        created_at=timezone.now() - timedelta(minutes=5))
    beat = EmbeddedBeat(celery_app)

    ran = beat.run_due(now=1000.0)

    assert "followups-sweep" in ran
    followup.refresh_from_db()
    assert followup.done_at is not None


def test_it_waits_for_each_entrys_interval():
    beat = EmbeddedBeat(celery_app)
    beat.run_due(now=1000.0)

    assert beat.run_due(now=1004.0) == []
    assert beat.run_due(now=1005.0) == ["escalations-sweep"]
    assert "followups-sweep" in beat.run_due(now=1015.0)
